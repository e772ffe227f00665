// "Molmo2 is writing: …" — the running job's current window answer, rebuilt from engine.partial events (each replaces
// the text from its offset on), so long generations show their words as they come rather than a silent bar.
import { useEffect, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';

interface Live {
  key: string;
  window: number;
  text: string;
  final: boolean;
}

/** The text so far of the latest window of job `jobId` (null until its first event). */
export function usePartialText(api: MolmoscopeBridge, jobId: number | null): Live | null {
  const [live, setLive] = useState<Live | null>(null);
  useEffect(() => {
    setLive(null);
    if (jobId === null) return;
    return api.on('engine.partial', (p) => {
      if (p.jobId !== jobId) return;
      const key = `${p.runId ?? ''}:${p.recordingId ?? ''}:${p.windowIndex}`;
      setLive((cur) => {
        const base = cur && cur.key === key ? cur.text : '';
        return { key, window: p.windowIndex, text: base.slice(0, p.offset) + p.text, final: p.final };
      });
    });
  }, [api, jobId]);
  return live;
}

/** Shows the live text of a running job's window (the tail of a long one). */
export function LivePartial({ api, jobId }: { api: MolmoscopeBridge; jobId: number | null }) {
  const live = usePartialText(api, jobId);
  if (!live) return null;
  const tail = live.text.length > 400 ? `…${live.text.slice(-400)}` : live.text;
  return (
    <p
      className="small live-partial"
      data-testid="partial-text"
      data-window={live.window}
      data-final={live.final ? 'true' : 'false'}
      aria-live="polite"
    >
      <span className="muted">
        {live.final ? `Molmo2 wrote (window ${live.window + 1}):` : `Molmo2 is writing (window ${live.window + 1}):`}
      </span>{' '}
      <q>{tail}</q>
    </p>
  );
}
