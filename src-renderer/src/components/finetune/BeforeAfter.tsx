// Before and after: per task, each metric on the held-out split for the base model and beside it every adapter with
// its difference from the base (adapter − base), so what training changed reads across one row.
import type { AdapterDto, EvalDto } from '../../../../src-main/api/ops/finetune.js';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));

/** Metrics where less is better (the share of answers that could not be read). */
const LOWER_IS_BETTER = new Set(['invalid']);

/** adapter − base with its sign, and whether that is better, worse or the same ('' when either is missing). */
function delta(metric: string, base: number | null | undefined, after: number | null | undefined) {
  if (base === null || base === undefined || after === null || after === undefined) return { text: '–', tone: '' };
  const d = after - base;
  if (Math.abs(d) < 5e-4) return { text: '±0.000', tone: 'same' };
  const better = LOWER_IS_BETTER.has(metric) ? d < 0 : d > 0;
  return { text: `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}`, tone: better ? 'good' : 'bad' };
}

/** One task's rows: a heading row with its example count, then one row per metric. */
function TaskRows({ task, evals, cols }: { task: string; evals: EvalDto[]; cols: number[] }) {
  const mine = evals.filter((e) => e.task === task);
  const at = (id: number | null) => mine.find((e) => e.adapterId === id);
  const metrics = [...new Set(mine.flatMap((e) => Object.keys(e.metrics)))];
  return (
    <tbody data-task={task}>
      <tr className="task-head">
        <th colSpan={3 + 2 * cols.length} scope="rowgroup">
          {task} <span className="muted">({at(null)?.examples ?? mine[0]?.examples ?? 0} held-out examples)</span>
        </th>
      </tr>
      {metrics.map((k) => {
        const base = at(null)?.metrics[k];
        return (
          <tr key={k} data-task={task} data-metric={k}>
            <td />
            <td>{k}</td>
            <td data-col="base">{fmt(base)}</td>
            {cols.flatMap((id) => {
              const after = at(id)?.metrics[k];
              const d = delta(k, base, after);
              return [
                <td key={`a${id}`} data-col={`adapter-${id}`}>
                  {fmt(after)}
                </td>,
                <td key={`d${id}`} data-col={`delta-${id}`} className={d.tone}>
                  {d.text}
                </td>,
              ];
            })}
          </tr>
        );
      })}
    </tbody>
  );
}

/** The table (nothing until an evaluation is stored). */
export function BeforeAfter({ evals, adapters }: { evals: EvalDto[]; adapters: AdapterDto[] }) {
  if (evals.length === 0) return <p className="small muted">No held-out evaluation yet: it runs after training.</p>;
  const cols = [...new Set(evals.flatMap((e) => (e.adapterId === null ? [] : [e.adapterId])))].sort((a, b) => a - b);
  const name = (id: number) => adapters.find((a) => a.id === id)?.name ?? `adapter ${id}`;
  return (
    <table className="small before-after" data-testid="before-after">
      <thead>
        <tr>
          {['task', 'metric', 'base'].map((h) => (
            <th key={h} data-col={h === 'base' ? 'base' : undefined}>
              {h}
            </th>
          ))}
          {cols.flatMap((id) => [
            <th key={`a${id}`} data-col={`adapter-${id}`}>
              {name(id)}
            </th>,
            <th key={`d${id}`} data-col={`delta-${id}`} title="adapter − base">
              Δ
            </th>,
          ])}
        </tr>
      </thead>
      {[...new Set(evals.map((e) => e.task))].map((task) => (
        <TaskRows key={task} task={task} evals={evals} cols={cols} />
      ))}
    </table>
  );
}
