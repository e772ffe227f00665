// The dataset card: build a new version from the library's corrections, pick a version, its counts per task and
// split, and its examples (thumbnail, task, split, answer) with include/exclude.
import { useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { DatasetSummaryDto, ExampleDto } from '../../../../src-main/api/ops/finetune.js';

const TASKS = ['count', 'track', 'qa', 'caption'] as const;

function Counts({ d }: { d: DatasetSummaryDto }) {
  return (
    <table className="small" data-testid="dataset-counts">
      <thead>
        <tr>
          <th>task</th>
          <th>train</th>
          <th>held out</th>
        </tr>
      </thead>
      <tbody>
        {TASKS.filter((t) => d.perTask[t] && d.perTask[t].train + d.perTask[t].heldout > 0).map((t) => (
          <tr key={t} data-task={t}>
            <td>{t}</td>
            <td>{d.perTask[t]?.train}</td>
            <td>{d.perTask[t]?.heldout}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Example({
  api,
  e,
  frozen,
  onToggle,
}: {
  api: MolmoscopeBridge;
  e: ExampleDto;
  frozen: boolean;
  onToggle(included: boolean): void;
}) {
  const mid = e.times[Math.floor(e.times.length / 2)] ?? e.start;
  return (
    <li className="row example" data-testid="example" data-task={e.task} data-split={e.split}>
      <img className="thumb" alt="" loading="lazy" src={api.thumbnailUrl(e.recordingId, mid, 192)} />
      <span className="pill">{e.task}</span>
      <span className={`pill ${e.split === 'heldout' ? 'warn' : 'good'}`}>
        {e.split === 'heldout' ? 'held out' : 'train'}
      </span>
      <span className="small muted">
        {e.start.toFixed(1)}–{e.end.toFixed(1)} s · {e.source.kind.replace('_', ' ')} #{e.source.id}
        {e.source.added?.length ? ` · ${e.source.added.length} added` : ''}
      </span>
      <code className="small answer" title={e.answer}>
        {e.answer.length > 90 ? `${e.answer.slice(0, 90)}…` : e.answer}
      </code>
      <label className="small">
        <input type="checkbox" checked={e.included} disabled={frozen} onChange={(ev) => onToggle(ev.target.checked)} />{' '}
        include
      </label>
    </li>
  );
}

export interface DatasetPanelProps {
  api: MolmoscopeBridge;
  /** The versions, the picked one with its examples, and how to pick another (useDatasets). */
  ds: {
    datasets: DatasetSummaryDto[];
    dataset: DatasetSummaryDto | null;
    examples: ExampleDto[];
    setDatasetId(id: number): void;
  };
  onBuild(name: string, heldoutShare: number): void;
  onToggle(e: ExampleDto, included: boolean): void;
}

/** The dataset card. */
export function DatasetPanel({ api, ds, onBuild, onToggle }: DatasetPanelProps) {
  const { datasets, dataset, examples } = ds;
  const [name, setName] = useState('my corrections');
  const [share, setShare] = useState('0.5');
  return (
    <section className="card" aria-labelledby="ft-dataset">
      <h2 id="ft-dataset">Dataset</h2>
      <p className="small muted">
        Verdicts on counted instances, points added where a count missed one, corrected tracks and typed answers become
        examples; the held-out split is by recording.
      </p>
      <form
        className="row"
        onSubmit={(ev) => {
          ev.preventDefault();
          onBuild(name, Number(share));
        }}
      >
        <label>
          Name <input name="datasetName" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Held out{' '}
          <input
            name="heldoutShare"
            type="number"
            min={0}
            max={0.9}
            step={0.05}
            value={share}
            onChange={(e) => setShare(e.target.value)}
          />
        </label>
        <button type="submit">Build dataset</button>
      </form>
      {datasets.length ? (
        <label className="row">
          Version
          <select name="dataset" value={dataset?.id ?? ''} onChange={(e) => ds.setDatasetId(Number(e.target.value))}>
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} v{d.version} ({d.included}/{d.examples}){d.frozen ? ' · trained' : ''}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <p className="small muted">No dataset yet.</p>
      )}
      {dataset ? <Counts d={dataset} /> : null}
      <ul className="examples">
        {examples.map((e) => (
          <Example key={e.id} api={api} e={e} frozen={dataset?.frozen ?? true} onToggle={(inc) => onToggle(e, inc)} />
        ))}
      </ul>
    </section>
  );
}
