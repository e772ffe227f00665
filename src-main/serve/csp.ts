// The Content-Security-Policy of the app's pages, shared by the serve bridge and Electron's app:// protocol.
// No inline script, no eval, no remote content; connections only back to the app itself.

/**
 * The CSP header value; `connect` lists extra connect-src sources (the bridge's ws:// origin), `media` the origin
 * that serves recordings and thumbnails when it is not 'self' (Electron's media://molmoscope).
 */
export function contentSecurityPolicy(connect: string[] = [], media: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data: blob:", ...media].join(' '),
    ["media-src 'self' blob:", ...media].join(' '),
    "font-src 'self'",
    ["connect-src 'self'", ...connect].join(' '),
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Security headers sent with every response of the app (pages, assets and API). */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};
