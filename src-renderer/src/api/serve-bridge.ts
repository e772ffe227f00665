// Talks to `molmoscope serve`: POST /api/<op> with the run's token, and a WebSocket on /events for pushed events.
// The token arrives in the URL fragment (#token=…), is kept in sessionStorage and removed from the address bar.
import { OP_NAMES, type EventName, type EventPayload, type OpName } from '../../../src-main/api/contract.js';
import { mediaPath, type MolmoscopeBridge, type OpFunctions } from '../../../src-main/api/bridge.js';
import type { Result } from '../../../src-main/api/envelope.js';

const TOKEN_KEY = 'molmoscope.token';

/** Takes the token from the fragment (first load) or sessionStorage (reloads). */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]!);
    sessionStorage.setItem(TOKEN_KEY, token);
    // No section: the app picks the first page (Models while no model is installed, else Library).
    history.replaceState(null, '', window.location.pathname + window.location.search + '#/');
    return token;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

type Listener = (payload: unknown) => void;

/** A MolmoscopeBridge over HTTP + WebSocket to the serving origin. */
export function createServeBridge(): MolmoscopeBridge {
  const token = takeToken();
  const listeners = new Map<string, Set<Listener>>();
  let socket: WebSocket | null = null;
  let retry = 500;

  const invoke = async (op: OpName, request: unknown): Promise<Result<unknown>> => {
    if (!token)
      return {
        ok: false,
        error: { code: 'UNAUTHORIZED', message: 'No access token: open the URL printed by `molmoscope serve`.' },
      };
    try {
      const res = await fetch(`./api/${encodeURIComponent(op)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(request ?? {}),
      });
      return (await res.json()) as Result<unknown>;
    } catch (err) {
      return {
        ok: false,
        error: { code: 'INTERNAL', message: `The app's server did not answer: ${(err as Error).message}` },
      };
    }
  };

  const openSocket = () => {
    if (!token || socket) return;
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${window.location.host}/events?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => (retry = 500);
    ws.onmessage = (m) => {
      try {
        const { event, payload } = JSON.parse(String(m.data)) as { event: string; payload: unknown };
        for (const l of listeners.get(event) ?? []) l(payload);
      } catch {
        // A malformed frame is dropped; the server only sends contract events.
      }
    };
    ws.onclose = () => {
      socket = null;
      if ([...listeners.values()].some((s) => s.size > 0)) {
        setTimeout(openSocket, retry);
        retry = Math.min(retry * 2, 10_000);
      }
    };
  };

  const ops = Object.fromEntries(
    OP_NAMES.map((name) => [name, (req: unknown) => invoke(name, req)]),
  ) as unknown as OpFunctions;
  // <video> and <img> cannot send an Authorization header, so media URLs carry the token as a query parameter.
  const withToken = (p: string) => `/media${p}${p.includes('?') ? '&' : '?'}token=${encodeURIComponent(token ?? '')}`;
  return {
    transport: 'serve',
    mediaUrl: (id) => withToken(mediaPath('recording', id)),
    thumbnailUrl: (id, t, width) => withToken(mediaPath('thumb', id, t, width)),
    ops,
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener);
      openSocket();
      return () => {
        set.delete(listener as Listener);
      };
    },
  };
}
