// Message trees (Molmo2's multi-annotation SFT, text_preprocessor.py 117-190, 280-322): several answers on one clip
// become one sequence — the tokens all their prompts share, then one branch per answer (its prompt rest, answer, end).
import { AppError } from '../../api/errors.js';
import { at } from '../../api/at.js';
import type { TrainExample } from './train-session.js';

/** One answer's standalone prompt (ids, token types: 1 = visual), its answer tokens and per-token loss weight. */
export interface TreeBranchInput {
  promptIds: ArrayLike<number>;
  promptTypes: ArrayLike<number>;
  answerIds: ArrayLike<number>;
  weight: number;
}

/**
 * Length of the shared prefix: the longest common prefix of the prompts (ids and types), but short of every prompt's
 * last token, so each branch predicts its own first answer token from a row of its own. Every visual token must lie
 * in it: visual tokens attend to each other both ways, which only the prefix can do for all branches at once.
 */
export function sharedPrefixLength(prompts: ReadonlyArray<Pick<TreeBranchInput, 'promptIds' | 'promptTypes'>>): number {
  const first = prompts[0];
  if (!first) throw new AppError('INVALID_INPUT', 'a message tree needs at least one answer');
  let P = Math.min(...prompts.map((p) => p.promptIds.length - 1));
  for (const p of prompts)
    for (let i = 0; i < P; i++)
      if (p.promptIds[i] !== first.promptIds[i] || p.promptTypes[i] !== first.promptTypes[i]) {
        P = i;
        break;
      }
  for (const [j, p] of prompts.entries())
    for (let i = P; i < p.promptTypes.length; i++)
      if (p.promptTypes[i] === 1)
        throw new AppError(
          'INVALID_INPUT',
          `answer ${j + 1}'s prompt differs from the others before the end of the clip's visual tokens (token ${P})`,
        );
  return P;
}

/**
 * The training sequence of one or more answers on the same clip. One answer: the plain example (prompt, answer,
 * end token). Several: the shared prefix (branch 0, positions 0…P−1), then for answer j its prompt after the prefix,
 * its answer and the end token as branch j+1 with positions P, P+1, … — each branch sees the prefix and itself, so
 * its loss rows equal the standalone example's. Features are the caller's (all visual tokens are in the prefix).
 */
export function assembleTree(branches: readonly TreeBranchInput[], eos: number): Omit<TrainExample, 'features'> {
  const P = branches.length === 1 ? 0 : sharedPrefixLength(branches);
  const first = at(branches, 0, 'tree branch');
  const ids = Array.from(first.promptIds).slice(0, P);
  const types = Array.from(first.promptTypes).slice(0, P);
  const positions = Array.from({ length: P }, (_, i) => i);
  const tree = new Array<number>(P).fill(0);
  const logitPositions: number[] = [];
  const weights: number[] = [];
  for (const [j, b] of branches.entries()) {
    const start = ids.length;
    const seq = [...Array.from(b.promptIds).slice(P), ...Array.from(b.answerIds), eos];
    ids.push(...seq);
    types.push(...Array.from(b.promptTypes).slice(P), ...new Array<number>(b.answerIds.length + 1).fill(0));
    seq.forEach((_, t) => positions.push(P + t));
    tree.push(...new Array<number>(seq.length).fill(j + 1));
    const firstRow = start + b.promptIds.length - 1 - P;
    for (let i = 0; i <= b.answerIds.length; i++) logitPositions.push(firstRow + i);
    weights.push(...new Array<number>(b.answerIds.length + 1).fill(b.weight));
  }
  const targets = logitPositions.map((p) => at(ids, p + 1, 'target token'));
  if (branches.length === 1) return { ids, types, logitPositions, targets, weights };
  return { ids, types, positions, branches: tree, logitPositions, targets, weights };
}
