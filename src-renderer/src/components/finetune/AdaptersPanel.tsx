// Adapters beside the base model: which is active, activate / back to the base, rename, delete, export as a PEFT
// folder; and the recent count/track runs with the model and adapter that produced them.
import { useState } from 'react';
import type { OpResponse } from '../../../../src-main/api/contract.js';
import type { AdapterDto } from '../../../../src-main/api/ops/finetune.js';

export interface AdaptersPanelProps {
  adapters: AdapterDto[];
  runs: OpResponse<'finetune.runModels'>['runs'];
  onActivate(id: number | null): void;
  onRename(id: number, name: string): void;
  onDelete(id: number): void;
  onExport(id: number, path: string): void;
  /** Queues the same count/track again with the model now in use. */
  onRerun(run: OpResponse<'finetune.runModels'>['runs'][number]): void;
}

function AdapterRow({ a, p }: { a: AdapterDto; p: AdaptersPanelProps }) {
  const [name, setName] = useState(a.name);
  const [path, setPath] = useState('');
  return (
    <li className="adapter" data-testid="adapter" data-id={a.id} data-active={a.active}>
      <div className="row">
        <strong>{a.name}</strong>
        {a.active ? (
          <span className="pill good">active</span>
        ) : (
          <button type="button" onClick={() => p.onActivate(a.id)}>
            Activate
          </button>
        )}
        <span className="small muted">
          {a.datasetLabel} · rank {a.settings.rank} · {a.settings.steps} steps · base {a.baseModel.split(/[\\/]/).pop()}
        </span>
      </div>
      <div className="row small">
        <input
          aria-label={`name of adapter ${a.id}`}
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="button" onClick={() => p.onRename(a.id, name)}>
          Rename
        </button>
        <input
          aria-label={`export folder of adapter ${a.id}`}
          placeholder="/path/to/folder"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="button" disabled={!path} onClick={() => p.onExport(a.id, path)}>
          Export PEFT
        </button>
        <button type="button" disabled={a.active} onClick={() => p.onDelete(a.id)}>
          Delete
        </button>
      </div>
    </li>
  );
}

/** The adapters card. */
export function AdaptersPanel(p: AdaptersPanelProps) {
  const active = p.adapters.find((a) => a.active);
  return (
    <section className="card" aria-labelledby="ft-adapters">
      <h2 id="ft-adapters">Adapters</h2>
      <p className="small">
        Model in use: <strong data-testid="active-model">{active ? `base + ${active.name}` : 'base model'}</strong>
        {active ? (
          <button type="button" onClick={() => p.onActivate(null)}>
            Use the base model
          </button>
        ) : null}
      </p>
      <ul className="adapters">
        {p.adapters.map((a) => (
          <AdapterRow key={a.id} a={a} p={p} />
        ))}
      </ul>
      <h3>Recent runs</h3>
      <p className="small muted">
        Run a count or track again with the model in use; on the Count and Track pages a run offers a re-run with the
        other model and a side-by-side comparison.
      </p>
      <table className="small" data-testid="run-models">
        <thead>
          <tr>
            <th>run</th>
            <th>kind</th>
            <th>query</th>
            <th>range</th>
            <th>status</th>
            <th>found</th>
            <th>model</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {p.runs.map((r) => (
            <tr key={r.runId} data-run={r.runId}>
              <td>#{r.runId}</td>
              <td>{r.kind}</td>
              <td>{r.query}</td>
              <td>
                {r.start.toFixed(1)}–{r.end.toFixed(1)} s
              </td>
              <td>{r.status}</td>
              <td data-testid="run-found">{r.found ?? '–'}</td>
              <td data-testid="run-adapter">{r.adapterName ?? 'base'}</td>
              <td>
                <button
                  type="button"
                  onClick={() => p.onRerun(r)}
                  title="The same query, range and settings with the model now in use"
                >
                  Run again
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
