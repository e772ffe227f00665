// Accept / reject buttons for a counted instance (training material for the Fine-tune page), and the run's verdicts.
import { useCallback } from 'react';
import { useFinishedRunState } from './use-run-material.js';
import type { MolmoscopeBridge } from '../../api/client.js';

type Verdict = 'accept' | 'reject';

/** Each verdict's button: the verdict, its tooltip and its glyph. */
const VERDICT_BUTTONS: ReadonlyArray<[Verdict, string, string]> = [
  ['accept', 'Correct: keep it in training data', '✓'],
  ['reject', 'Wrong: leave it out of training data', '✗'],
];

const byInstance = (rs: Array<{ instanceId: number; verdict: Verdict }>) =>
  new Map(rs.map((r) => [r.instanceId, r.verdict]));

/** The verdicts of a finished count run by instance id, and `set` (a second click on the same verdict clears it). */
export function useVerdicts(api: MolmoscopeBridge, runId: number | null, finished: boolean) {
  const [verdicts, setVerdicts] = useFinishedRunState(runId, finished, new Map<number, Verdict>(), async (id) => {
    const r = await api.ops['finetune.reviews']({ runId: id });
    return r.ok ? byInstance(r.value.reviews) : null;
  });
  const set = useCallback(
    async (instanceId: number, v: Verdict) => {
      if (runId === null) return;
      const r = await api.ops['finetune.review']({
        runId,
        instanceId,
        verdict: verdicts.get(instanceId) === v ? null : v,
      });
      if (r.ok) setVerdicts(byInstance(r.value.reviews));
    },
    [api, runId, verdicts, setVerdicts],
  );
  return { verdicts, set };
}

/** The two buttons of one instance. */
export function InstanceVerdict({
  id,
  verdict,
  onSet,
}: {
  id: number;
  verdict: Verdict | undefined;
  onSet(v: Verdict): void;
}) {
  return (
    <span className="verdict" data-testid="verdict" data-instance={id} data-verdict={verdict ?? ''}>
      {VERDICT_BUTTONS.map(([v, title, glyph]) => (
        <button key={v} type="button" aria-pressed={verdict === v} title={title} onClick={() => onSet(v)}>
          {glyph}
        </button>
      ))}
    </span>
  );
}
