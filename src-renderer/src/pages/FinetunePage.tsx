// Fine-tune: build a dataset from the library's corrections, train a LoRA adapter with a memory/time estimate first
// and a live loss curve, compare base and adapter on the held-out split, and choose the adapter the library uses.
import { useCallback, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import type { ApiError } from '../../../src-main/api/errors.js';
import type { TrainSettingsDto } from '../../../src-main/api/ops/finetune.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useOpenLibrary, useRecordings } from '../components/analytics/use-analytics.js';
import { AnswersPanel } from '../components/finetune/AnswersPanel.js';
import {
  useAdapters,
  useCall,
  useDatasets,
  useEstimate,
  useEvals,
  useTraining,
} from '../components/finetune/use-finetune.js';
import { DatasetPanel } from '../components/finetune/DatasetPanel.js';
import { TrainPanel } from '../components/finetune/TrainPanel.js';
import { BeforeAfter } from '../components/finetune/BeforeAfter.js';
import { AdaptersPanel } from '../components/finetune/AdaptersPanel.js';

type Call = ReturnType<typeof useCall>;

/** What the page's buttons do: build a dataset, include/exclude, train, control the training job. */
function pageActions(
  api: MolmoscopeBridge,
  call: Call,
  ds: ReturnType<typeof useDatasets>,
  tr: ReturnType<typeof useTraining>,
  settings: Partial<TrainSettingsDto>,
) {
  const build = async (name: string, heldoutShare: number) => {
    const r = await call(api.ops['finetune.dataset.build']({ name, heldoutShare }));
    if (!r) return;
    await ds.reload();
    ds.setDatasetId(r.dataset.id);
  };
  const toggle = async (e: { id: number }, included: boolean) => {
    const r = await call(api.ops['finetune.dataset.include']({ exampleId: e.id, included }));
    if (r) {
      ds.setExamples((xs) => xs.map((x) => (x.id === r.id ? r : x)));
      void ds.reload();
    }
  };
  const train = async (evalMaxNewTokens: number | undefined) => {
    if (ds.datasetId === null) return;
    const r = await call(
      api.ops['finetune.train']({
        datasetId: ds.datasetId,
        settings,
        ...(evalMaxNewTokens ? { evalMaxNewTokens } : {}),
      }),
    );
    if (r) {
      await tr.follow(r.job);
      void ds.reload();
    }
  };
  const control = async (what: 'pause' | 'resume' | 'cancel') => {
    if (tr.job) await call(api.ops[`jobs.${what}`]({ id: tr.job.jobId }));
  };
  return { build, toggle, train, control };
}

/** The adapters card wired to the bridge (each action reloads the list). */
function AdaptersSection({ api, ad, call }: { api: MolmoscopeBridge; ad: ReturnType<typeof useAdapters>; call: Call }) {
  const refresh = async <T,>(p: Promise<{ ok: true; value: T } | { ok: false; error: ApiError }>) => {
    await call(p);
    await ad.reload();
  };
  return (
    <AdaptersPanel
      adapters={ad.adapters}
      runs={ad.runs}
      onActivate={(id) => void refresh(api.ops['finetune.adapter.activate']({ adapterId: id }))}
      onRename={(id, name) => void refresh(api.ops['finetune.adapter.rename']({ adapterId: id, name }))}
      onDelete={(id) => void refresh(api.ops['finetune.adapter.delete']({ adapterId: id }))}
      onExport={(id, path) => void refresh(api.ops['finetune.adapter.export']({ adapterId: id, path }))}
      onRerun={(r) =>
        void refresh(
          api.ops['analytics.queue']({
            kind: r.kind,
            query: r.query,
            scope: { recordingId: r.recordingId, start: r.start, end: r.end },
            settings: r.settings,
          }),
        )
      }
    />
  );
}

/** The Fine-tune page. */
export function FinetunePage({ api }: { api: MolmoscopeBridge }) {
  const library = useOpenLibrary(api);
  const open = typeof library === 'string';
  const [error, setError] = useState<ApiError | null>(null);
  const call = useCall(setError);
  const ds = useDatasets(api, open);
  const { recordings } = useRecordings(api, open);
  const [settings, setSettings] = useState<Partial<TrainSettingsDto>>({});
  const est = useEstimate(api, ds.datasetId, settings);
  const evals = useEvals(api, ds.datasetId);
  const ad = useAdapters(api, open);
  const onEnd = useCallback(() => {
    void evals.reload();
    void ad.reload();
    void ds.reload();
  }, [evals, ad, ds]);
  const tr = useTraining(api, onEnd);
  if (library === undefined) return <p className="muted">Loading…</p>;
  if (library === null)
    return (
      <div className="card empty">
        <h2>No library is open</h2>
        <p className="muted">Open or create a library on the Library page first.</p>
      </div>
    );
  const { build, toggle, train, control } = pageActions(api, call, ds, tr, settings);
  return (
    <div className="finetune">
      <ErrorNote error={error ?? est.error} />
      <AnswersPanel api={api} recordings={recordings} onError={setError} />
      <DatasetPanel api={api} ds={ds} onBuild={(n, s) => void build(n, s)} onToggle={(e, inc) => void toggle(e, inc)} />
      <TrainPanel
        estimate={est.estimate}
        settings={settings}
        onSettings={setSettings}
        onTrain={(t) => void train(t)}
        job={tr.job}
        steps={tr.steps}
        onControl={(w) => void control(w)}
      />
      <section className="card" aria-labelledby="ft-eval">
        <h2 id="ft-eval">Before and after (held-out split)</h2>
        <BeforeAfter evals={evals.evals} adapters={ad.adapters} />
      </section>
      <AdaptersSection api={api} ad={ad} call={call} />
    </div>
  );
}
