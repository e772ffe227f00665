// Rectangular linear assignment (Hungarian / Kuhn–Munkres with potentials, O(n²·m) for n ≤ m), plus gating.
// Written from the textbook shortest-augmenting-path formulation; no external solver.
// Indices below are in bounds by the loop bounds; numeric loops keep plain `!` access (noUncheckedIndexedAccess).

/** A matched (row, col) pair and its original cost. */
export interface Assignment {
  row: number;
  col: number;
  cost: number;
}

/**
 * Minimum-cost assignment of min(n, m) pairs on a dense, fully finite n×m cost matrix (row-major Float64Array).
 * Returns colOfRow (length n, −1 where a row is unassigned because n > m).
 */
export function solveDense(cost: Float64Array, n: number, m: number): Int32Array {
  const colOfRow = new Int32Array(n).fill(-1);
  if (n === 0 || m === 0) return colOfRow;
  // The solver needs rows ≤ cols; transpose otherwise.
  if (n > m) {
    const t = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = cost[i * m + j]!;
    const rowOfCol = solveDense(t, m, n);
    for (let j = 0; j < m; j++) if (rowOfCol[j]! >= 0) colOfRow[rowOfCol[j]!] = j;
    return colOfRow;
  }
  // 1-based potentials u (rows), v (cols); p[j] = row matched to column j (0 = none); way[] = augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      const rowBase = (i0 - 1) * m;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[rowBase + j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  for (let j = 1; j <= m; j++) if (p[j]! > 0) colOfRow[p[j]! - 1] = j - 1;
  return colOfRow;
}

export interface AssignOptions {
  /**
   * Gate: pairs with cost > gate (or a non-finite cost) are never matched. With a gate, the solver picks the set of
   * allowed pairs minimising Σ(cost − gate), i.e. leaving a pair unmatched costs `gate`; every allowed pair is
   * preferred to no match, and among equal-size matchings the cheapest wins.
   */
  gate?: number;
}

/**
 * Minimum-cost assignment on a rectangular matrix (rows × cols, number[][]), with optional gating.
 * Without a gate every entry must be finite and min(rows, cols) pairs are returned.
 */
export function assign(matrix: readonly (readonly number[])[], opts: AssignOptions = {}): Assignment[] {
  const n = matrix.length;
  const m = n === 0 ? 0 : matrix[0]!.length;
  if (n === 0 || m === 0) return [];
  const flat = new Float64Array(n * m);
  const gate = opts.gate;
  const gated = gate !== undefined;
  if (gated && !Number.isFinite(gate)) throw new RangeError('assign: gate must be finite');
  // Allowed pairs become negative (cost − gate − ε); forbidden pairs 0, which is the same as "unmatched".
  const eps = gated ? 1e-9 * Math.max(1, Math.abs(gate)) : 0;
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    if (row.length !== m) throw new RangeError('assign: ragged matrix');
    for (let j = 0; j < m; j++) {
      const c = row[j]!;
      if (gated) flat[i * m + j] = Number.isFinite(c) && c <= gate ? c - gate - eps : 0;
      else if (!Number.isFinite(c)) throw new RangeError('assign: non-finite cost without a gate');
      else flat[i * m + j] = c;
    }
  }
  const colOfRow = solveDense(flat, n, m);
  const out: Assignment[] = [];
  for (let i = 0; i < n; i++) {
    const j = colOfRow[i]!;
    if (j < 0) continue;
    const c = matrix[i]![j]!;
    if (gated && !(Number.isFinite(c) && c <= gate)) continue;
    out.push({ row: i, col: j, cost: c });
  }
  return out;
}
