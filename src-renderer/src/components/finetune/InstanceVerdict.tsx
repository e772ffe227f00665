// Accept / reject buttons for a counted instance (training material for the Fine-tune page), and the run's verdicts.
import { useCallback, useEffect, useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';

type Verdict = 'accept' | 'reject';

/** The verdicts of a finished count run by instance id, and `set` (a second click on the same verdict clears it). */
export function useVerdicts(api: MolmoscopeBridge, runId: number | null, finished: boolean) {
  const [verdicts, setVerdicts] = useState<Map<number, Verdict>>(new Map());
  const put = (rs: Array<{ instanceId: number; verdict: Verdict }>) =>
    setVerdicts(new Map(rs.map((r) => [r.instanceId, r.verdict])));
  useEffect(() => {
    setVerdicts(new Map());
    if (runId === null || !finished) return;
    let live = true;
    void api.ops['finetune.reviews']({ runId }).then((r) => {
      if (live && r.ok) put(r.value.reviews);
    });
    return () => {
      live = false;
    };
  }, [api, runId, finished]);
  const set = useCallback(
    async (instanceId: number, v: Verdict) => {
      if (runId === null) return;
      const r = await api.ops['finetune.review']({
        runId,
        instanceId,
        verdict: verdicts.get(instanceId) === v ? null : v,
      });
      if (r.ok) put(r.value.reviews);
    },
    [api, runId, verdicts],
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
      <button
        type="button"
        aria-pressed={verdict === 'accept'}
        title="Correct: keep it in training data"
        onClick={() => onSet('accept')}
      >
        ✓
      </button>
      <button
        type="button"
        aria-pressed={verdict === 'reject'}
        title="Wrong: leave it out of training data"
        onClick={() => onSet('reject')}
      >
        ✗
      </button>
    </span>
  );
}
