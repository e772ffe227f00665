// Before and after: each task's metrics on the held-out split for the base model and for every adapter, side by side.
import type { AdapterDto, EvalDto } from '../../../../src-main/api/ops/finetune.js';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));

/** The table (nothing until an evaluation is stored). */
export function BeforeAfter({ evals, adapters }: { evals: EvalDto[]; adapters: AdapterDto[] }) {
  if (evals.length === 0) return <p className="small muted">No held-out evaluation yet: it runs after training.</p>;
  const cols = [...new Set(evals.map((e) => e.adapterId))].sort((a, b) => (a ?? 0) - (b ?? 0));
  const name = (id: number | null) =>
    id === null ? 'base' : (adapters.find((a) => a.id === id)?.name ?? `adapter ${id}`);
  const rows = [...new Set(evals.map((e) => e.task))].flatMap((task) => {
    const keys = [...new Set(evals.filter((e) => e.task === task).flatMap((e) => Object.keys(e.metrics)))];
    return keys.map((k) => ({ task, k }));
  });
  const cell = (task: string, k: string, id: number | null) =>
    evals.find((e) => e.task === task && e.adapterId === id)?.metrics[k];
  return (
    <table className="small before-after" data-testid="before-after">
      <thead>
        <tr>
          <th>task</th>
          <th>metric</th>
          {cols.map((c) => (
            <th key={String(c)} data-col={c === null ? 'base' : `adapter-${c}`}>
              {name(c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(({ task, k }) => (
          <tr key={`${task}.${k}`} data-task={task} data-metric={k}>
            <td>{task}</td>
            <td>{k}</td>
            {cols.map((c) => (
              <td key={String(c)}>{fmt(cell(task, k, c))}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
