// Models: the catalogue with sizes and what fits this machine, downloads with progress, ETA, pause and cancel,
// a folder added in place, the installed models with the active one chosen, and delete.
import { useCallback, useEffect, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import type { OpResponse } from '../../../src-main/api/contract.js';
import type { ApiError } from '../../../src-main/api/errors.js';
import type { DownloadState } from '../../../src-main/api/ops/models.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useModels } from '../components/ActiveModel.js';
import { eta } from '../components/format.js';
import { percentDone, ProgressCard } from '../components/ProgressCard.js';

type Catalogue = OpResponse<'models.catalogue'>;
type Listed = OpResponse<'models.list'>;

const gb = (n: number | null) => (n === null ? '?' : `${(n / 1e9).toFixed(1)} GB`);

function useDownloads(api: MolmoscopeBridge, initial: DownloadState[] | undefined) {
  const [downloads, setDownloads] = useState<Record<string, DownloadState>>({});
  useEffect(() => {
    if (initial) setDownloads((d) => ({ ...Object.fromEntries(initial.map((x) => [x.id, x])), ...d }));
  }, [initial]);
  useEffect(() => api.on('model.download', (e) => setDownloads((d) => ({ ...d, [e.id]: e }))), [api]);
  return downloads;
}

/** One download's card: bytes and speed while fetching, its phase otherwise; Cancel also deletes what was fetched. */
function DownloadRow({
  d,
  onPause,
  onResume,
  onCancel,
}: {
  d: DownloadState;
  onPause(): void;
  onResume(): void;
  onCancel(): void;
}) {
  const stopped = d.status === 'paused' || d.status === 'failed';
  return (
    <ProgressCard
      testId={{ card: 'download', part: 'download' }}
      dataId={d.id}
      status={d.status}
      pct={percentDone(d.doneBytes, d.totalBytes, d.status)}
      title={d.repo}
      detail={
        <>
          {gb(d.doneBytes)} of {gb(d.totalBytes)}
          {d.status === 'running' && d.phase === 'fetching'
            ? ` · ${(d.bytesPerSecond / 1e6).toFixed(1)} MB/s · ${eta(d.etaSeconds)}`
            : d.status === 'running'
              ? ` · ${d.phase}…`
              : ''}
        </>
      }
      barLabel={`download of ${d.repo}`}
      error={d.errorCode ? { code: d.errorCode, message: d.message, alert: true } : null}
      controls={{
        onPause: d.status === 'running' ? onPause : undefined,
        onResume: stopped ? onResume : undefined,
        onCancel: d.status === 'running' || stopped ? onCancel : undefined,
      }}
    />
  );
}

function fitNote(e: Catalogue['entries'][number], m: Catalogue['machine']): string {
  if (!e.runnable) return e.unsupported ?? 'not runnable yet';
  const disk = e.fit.disk
    ? `fits the disk (${gb(m.freeDiskBytes)} free)`
    : `needs ${gb(e.diskBytes)} of disk, ${gb(m.freeDiskBytes)} free`;
  const gpu =
    e.fit.weightsInGpu === null
      ? 'no NVIDIA GPU seen: runs on the CPU, slowly'
      : e.fit.weightsInGpu
        ? 'fp32 weights fit the GPU'
        : 'fp32 weights are larger than the GPU memory';
  const mem = (['fp32', 'fp16', 'int8', 'int4'] as const)
    .filter((p) => e.memoryBytes[p] !== null)
    .map((p) => `${p} ${gb(e.memoryBytes[p])}`);
  return `${disk}; ${gpu}; ${mem.length ? `needs ≈ ${mem.join(', ')} with a 128-frame video` : 'memory per precision: not known'}`;
}

type Fit = NonNullable<Listed['models'][number]['precision']>;

/** One installed model's precisions: the default on this host's provider and, per precision, the estimate and whether it fits. */
function PrecisionLine({ fit }: { fit: Fit }) {
  const budget =
    fit.budgetBytes === null ? `${fit.provider} memory unknown` : `${gb(fit.budgetBytes)} usable on ${fit.provider}`;
  return (
    <p className="muted small" data-testid="model-precision" data-default={fit.default}>
      Precision: <strong>{fit.default}</strong> by default{fit.configured ? ' (set for this host)' : ''} · {budget} · a
      128-frame video ({fit.contextTokens} tokens) needs{' '}
      {fit.options.map((o, i) => (
        <span
          key={o.precision}
          data-testid="precision-option"
          data-precision={o.precision}
          data-fits={String(o.fits)}
          title={o.note}
        >
          {i ? ', ' : ''}
          {o.precision} ≈ {gb(o.totalBytes)} {o.fits === null ? '' : o.fits ? '✓' : '✗ (does not fit)'}
        </span>
      ))}
    </p>
  );
}

function CatalogueCard({ cat, onDownload }: { cat: Catalogue; onDownload(id: string): void }) {
  return (
    <section className="card" data-testid="catalogue">
      <h2>Catalogue</h2>
      <ul className="stack">
        {cat.entries.map((e) => (
          <li key={e.id} data-testid="catalogue-entry" data-id={e.id}>
            <div className="row">
              <strong>{e.title}</strong>
              <span className="muted small">
                {e.repo} · {(e.parameters / 1e9).toFixed(1)} B parameters · {gb(e.diskBytes)} download
                {e.weightsSource === 'derived' ? ' (estimated from the architecture)' : ''} · {e.license}
              </span>
              {e.installed ? <span className="pill good">installed</span> : null}
              <button type="button" disabled={!e.runnable} onClick={() => onDownload(e.id)}>
                Download
              </button>
            </div>
            <p className="muted small">{fitNote(e, cat.machine)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function InstalledCard({
  list,
  onUse,
  onRemove,
}: {
  list: Listed;
  onUse(id: string): void;
  onRemove(id: string): void;
}) {
  return (
    <section className="card" data-testid="installed">
      <h2>Installed</h2>
      {list.models.length === 0 ? (
        <p className="muted" data-testid="no-models">
          No model yet: download one below, or add a folder you already have.
        </p>
      ) : null}
      <ul className="stack">
        {list.models.map((m) => (
          <li key={m.id} data-testid="installed-model" data-id={m.id}>
            <div className="row">
              <strong>{m.id}</strong>
              {list.active?.dir === m.dir ? (
                <span className="pill good" data-testid="active">
                  active
                </span>
              ) : null}
              <span className="muted small">
                {m.source === 'hub' ? `${m.repo}@${m.commit?.slice(0, 10)}` : 'folder, used in place'} · {gb(m.bytes)} ·{' '}
                {m.dir}
              </span>
              {list.active?.dir !== m.dir ? (
                <button type="button" onClick={() => onUse(m.id)}>
                  Use
                </button>
              ) : null}
              <button type="button" onClick={() => onRemove(m.id)}>
                {m.source === 'hub' ? 'Delete' : 'Forget'}
              </button>
            </div>
            {m.precision ? <PrecisionLine fit={m.precision} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

type Act = (p: Promise<{ ok: true } | { ok: false; error: ApiError }>) => Promise<void>;

/** The page's state: catalogue, installed list, downloads, the last error; `act` runs an op and refreshes. */
function useModelsPage(api: MolmoscopeBridge) {
  const [cat, setCat] = useState<Catalogue | null>(null);
  const [list, setList] = useState<Listed | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const initial = useModels(api);
  const downloads = useDownloads(api, initial?.downloads);
  const refresh = useCallback(async () => {
    const [c, l] = await Promise.all([api.ops['models.catalogue']({}), api.ops['models.list']({})]);
    if (c.ok) setCat(c.value);
    if (l.ok) setList(l.value);
  }, [api]);
  useEffect(() => void refresh(), [refresh]);
  useEffect(
    () => api.on('model.download', (e) => (e.status === 'done' || e.status === 'cancelled') && void refresh()),
    [api, refresh],
  );
  const act: Act = async (p) => {
    const r = await p;
    setError(r.ok ? null : r.error);
    await refresh();
  };
  return { cat, list, error, downloads, act };
}

function DownloadsCard({
  api,
  downloads,
  act,
}: {
  api: MolmoscopeBridge;
  downloads: Record<string, DownloadState>;
  act: Act;
}) {
  return (
    <section className="card stack">
      <h2>Downloads</h2>
      {Object.values(downloads).map((d) => (
        <DownloadRow
          key={d.id}
          d={d}
          onPause={() => void act(api.ops['models.pause']({ id: d.id }))}
          onResume={() => void act(api.ops['models.download']({ source: d.repo }))}
          onCancel={() => void act(api.ops['models.cancel']({ id: d.id }))}
        />
      ))}
    </section>
  );
}

/** A form of one text field and its button, which stays disabled while the field is blank; submits the trimmed text. */
function OneFieldForm(props: {
  label: string;
  placeholder: string;
  testId: string;
  button: string;
  onSubmit(value: string): void;
}) {
  const [value, setValue] = useState('');
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(value.trim());
      }}
    >
      <label className="field">
        {props.label}
        <input
          type="text"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={props.placeholder}
          data-testid={props.testId}
        />
      </label>
      <button type="submit" disabled={!value.trim()}>
        {props.button}
      </button>
    </form>
  );
}

/** A repo to download or a folder to add in place, each a one-field form. */
function OtherSourcesCard({ api, act }: { api: MolmoscopeBridge; act: Act }) {
  return (
    <section className="card">
      <h2>Other sources</h2>
      <OneFieldForm
        label="Hugging Face repo (a Molmo2 fine-tune)"
        placeholder="owner/name"
        testId="repo-input"
        button="Download"
        onSubmit={(source) => void act(api.ops['models.download']({ source }))}
      />
      <OneFieldForm
        label="A checkpoint folder on this machine (or a Hugging Face cache folder), used in place"
        placeholder="/path/to/Molmo2-4B"
        testId="folder-input"
        button="Add folder"
        onSubmit={(path) => void act(api.ops['models.add']({ path }))}
      />
      <p className="muted small">
        Mirror: start with <code>HF_ENDPOINT</code> set. Gated or private repos: <code>HF_TOKEN</code>. Offline: copy a
        downloaded folder here and add it.
      </p>
    </section>
  );
}

/** The Models page. */
export function ModelsPage({ api }: { api: MolmoscopeBridge }) {
  const { cat, list, error, downloads, act } = useModelsPage(api);
  return (
    <div className="stack" data-testid="page-models">
      <ErrorNote error={error} />
      {list ? (
        <InstalledCard
          list={list}
          onUse={(id) => void act(api.ops['models.use']({ id }))}
          onRemove={(id) => void act(api.ops['models.remove']({ id }))}
        />
      ) : null}
      {Object.keys(downloads).length > 0 ? <DownloadsCard api={api} downloads={downloads} act={act} /> : null}
      {cat ? (
        <CatalogueCard cat={cat} onDownload={(id) => void act(api.ops['models.download']({ source: id }))} />
      ) : (
        <p className="card muted">Reading the catalogue…</p>
      )}
      <OtherSourcesCard api={api} act={act} />
    </div>
  );
}
