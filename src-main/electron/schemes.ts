// The app's two privileged schemes (app:// pages, media:// recordings) and the headers every response of them carries.
// Registered before 'ready'; nothing in the app loads from file:// or from the network.
import { protocol } from 'electron';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../serve/csp.js';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://molmoscope`;
export const MEDIA_SCHEME = 'media';
export const MEDIA_ORIGIN = `${MEDIA_SCHEME}://molmoscope`;

/** Must run before app 'ready': app:// is secure and standard (fetch, ES modules); media:// also streams for <video>. */
export function registerAppSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
  ]);
}

/** Headers of every app:// and media:// response: the reply's own, then the security headers and the app's CSP. */
export function appResponseHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, ...SECURITY_HEADERS, 'Content-Security-Policy': contentSecurityPolicy([], [MEDIA_ORIGIN]) };
}
