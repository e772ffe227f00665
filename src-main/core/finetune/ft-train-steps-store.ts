// Rows of ft_train_steps (migration 7): a training job's loss curve; a resumed job rewrites the steps it redoes.
import type { Library } from '../library/store.js';
import type { FtStep } from './types.js';

/** Stores (or replaces) one optimiser step of a job. */
export function putStep(lib: Library, jobId: number, s: FtStep): void {
  lib.db
    .prepare(
      `INSERT OR REPLACE INTO ft_train_steps (job_id, step, loss, lr, grad_norm, tokens_per_s, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(jobId, s.step, s.loss, s.lr, s.gradNorm, s.tokensPerSecond, new Date().toISOString());
}

/** A job's steps in order. */
export function listSteps(lib: Library, jobId: number): FtStep[] {
  const rows = lib.db
    .prepare('SELECT step, loss, lr, grad_norm, tokens_per_s FROM ft_train_steps WHERE job_id = ? ORDER BY step')
    .all(jobId) as Array<{ step: number; loss: number; lr: number; grad_norm: number; tokens_per_s: number }>;
  return rows.map((r) => ({
    step: r.step,
    loss: r.loss,
    lr: r.lr,
    gradNorm: r.grad_norm,
    tokensPerSecond: r.tokens_per_s,
  }));
}

/** Drops the steps after `step` (those a resumed job recomputes from its checkpoint). */
export function dropStepsAfter(lib: Library, jobId: number, step: number): void {
  lib.db.prepare('DELETE FROM ft_train_steps WHERE job_id = ? AND step > ?').run(jobId, step);
}

/** The median tokens/s of the last 20 stored steps of any job (a measured rate for time estimates), or null. */
export function recentTokensPerSecond(lib: Library): number | null {
  const xs = (
    lib.db
      .prepare('SELECT tokens_per_s FROM ft_train_steps ORDER BY created_at DESC LIMIT 20')
      .pluck()
      .all() as number[]
  ).sort((a, b) => a - b);
  return xs.length ? (xs[Math.floor(xs.length / 2)] ?? null) : null;
}
