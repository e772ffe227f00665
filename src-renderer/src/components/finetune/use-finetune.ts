// Hooks of the Fine-tune page: dataset versions and examples, the estimate before training, a training job followed
// through job.progress and finetune.step events (the loss curve), the before/after evals, adapters and recent runs.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { EventPayload, OpResponse } from '../../../../src-main/api/contract.js';
import type {
  AdapterDto,
  DatasetSummaryDto,
  EvalDto,
  ExampleDto,
  StepDto,
  TrainSettingsDto,
} from '../../../../src-main/api/ops/finetune.js';

type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Calls that set a shared error (null on success). */
export function useCall(setError: (e: ApiError | null) => void) {
  return useCallback(
    async <T>(p: Promise<Result<T>>): Promise<T | null> => {
      const r = await p;
      if (!r.ok) {
        setError(r.error);
        return null;
      }
      setError(null);
      return r.value;
    },
    [setError],
  );
}

/** Dataset versions (newest first) and the selected one's examples. */
export function useDatasets(api: MolmoscopeBridge, open: boolean) {
  const [datasets, setDatasets] = useState<DatasetSummaryDto[]>([]);
  const [datasetId, setDatasetId] = useState<number | null>(null);
  const [examples, setExamples] = useState<ExampleDto[]>([]);
  const reload = useCallback(async () => {
    if (!open) return;
    const r = await api.ops['finetune.datasets']({});
    if (r.ok) setDatasets(r.value.datasets);
  }, [api, open]);
  useEffect(() => {
    void reload();
  }, [reload]);
  useEffect(() => {
    if (datasetId === null && datasets[0]) setDatasetId(datasets[0].id);
  }, [datasets, datasetId]);
  const loadExamples = useCallback(async () => {
    if (datasetId === null) return setExamples([]);
    const r = await api.ops['finetune.dataset.examples']({ datasetId, limit: 200 });
    if (r.ok) setExamples(r.value.examples);
  }, [api, datasetId]);
  useEffect(() => {
    void loadExamples();
  }, [loadExamples]);
  const dataset = datasets.find((d) => d.id === datasetId) ?? null;
  return { datasets, dataset, datasetId, setDatasetId, examples, setExamples, reload };
}

/** The estimate for the current settings (asked again when they change). */
export function useEstimate(api: MolmoscopeBridge, datasetId: number | null, settings: Partial<TrainSettingsDto>) {
  const [estimate, setEstimate] = useState<OpResponse<'finetune.estimate'> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const key = JSON.stringify(settings);
  useEffect(() => {
    if (datasetId === null) return;
    let live = true;
    void api.ops['finetune.estimate']({ datasetId, settings: JSON.parse(key) as Partial<TrainSettingsDto> }).then(
      (r) => {
        if (!live) return;
        if (r.ok) {
          setEstimate(r.value);
          setError(null);
        } else setError(r.error);
      },
    );
    return () => {
      live = false;
    };
  }, [api, datasetId, key]);
  return { estimate, error };
}

/** Follows fine-tune jobs: the training job's progress and loss curve, and the evals that follow it. */
export function useTraining(api: MolmoscopeBridge, onEnd: (p: EventPayload<'job.progress'>) => void) {
  const [job, setJob] = useState<EventPayload<'job.progress'> | null>(null);
  const [steps, setSteps] = useState<StepDto[]>([]);
  const [last, setLast] = useState<EventPayload<'finetune.step'> | null>(null);
  const jobRef = useRef<number | null>(null);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  useEffect(
    () =>
      api.on('finetune.step', (s) => {
        if (s.jobId !== jobRef.current) return;
        setLast(s);
        setSteps((xs) => [
          ...xs.filter((x) => x.step < s.step),
          { step: s.step, loss: s.loss, lr: s.lr, gradNorm: s.gradNorm, tokensPerSecond: s.tokensPerSecond },
        ]);
      }),
    [api],
  );
  useEffect(
    () =>
      api.on('job.progress', (p) => {
        if (p.kind.startsWith('finetune.') && p.status !== 'running' && p.status !== 'queued') onEndRef.current(p);
        if (p.jobId === jobRef.current) setJob(p);
      }),
    [api],
  );
  const follow = useCallback(
    async (j: {
      id: number;
      kind: string;
      status: EventPayload<'job.progress'>['status'];
      done: number;
      total: number;
    }) => {
      jobRef.current = j.id;
      setJob({ jobId: j.id, kind: j.kind, status: j.status, done: j.done, total: j.total, etaSeconds: null });
      const r = await api.ops['finetune.steps']({ jobId: j.id });
      setSteps(r.ok ? r.value.steps : []);
    },
    [api],
  );
  return { job, steps, last, follow };
}

/** Evals of a dataset (base and adapters per task). */
export function useEvals(api: MolmoscopeBridge, datasetId: number | null) {
  const [evals, setEvals] = useState<EvalDto[]>([]);
  const reload = useCallback(async () => {
    if (datasetId === null) return setEvals([]);
    const r = await api.ops['finetune.evals']({ datasetId });
    if (r.ok) setEvals(r.value.evals);
  }, [api, datasetId]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { evals, reload };
}

/** Adapters and the active one; recent runs with the adapter that produced them. */
export function useAdapters(api: MolmoscopeBridge, open: boolean) {
  const [adapters, setAdapters] = useState<AdapterDto[]>([]);
  const [runs, setRuns] = useState<OpResponse<'finetune.runModels'>['runs']>([]);
  const reload = useCallback(async () => {
    if (!open) return;
    const [a, r] = await Promise.all([api.ops['finetune.adapters']({}), api.ops['finetune.runModels']({ limit: 20 })]);
    if (a.ok) setAdapters(a.value.adapters);
    if (r.ok) setRuns(r.value.runs);
  }, [api, open]);
  useEffect(() => {
    void reload();
  }, [reload]);
  useEffect(
    () =>
      api.on('job.progress', (p) => {
        if (p.status === 'done') void reload();
      }),
    [api, reload],
  );
  return { adapters, runs, reload };
}
