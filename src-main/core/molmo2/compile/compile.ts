// Compiles a checkpoint's graphs to .onnx files once (keyed by config, weight mode and compiler version).
// Graphs go to the model cache in both weight modes; the checkpoint folder is only ever read.
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../api/errors.js';
import type { Checkpoint } from '../weights.js';
import { encodeModel } from './emit.js';
import type { Graph } from './graph.js';
import {
  buildGenerateGraph,
  buildPrefillGraph,
  buildResumeGraph,
  buildStepGraph,
  type BuildOptions,
} from './generate-graph.js';
import { buildVisionGraph, visionWeightNames } from './vision-graph.js';
import { decoderWeightNames } from './decoder-graph.js';
import { bindWeights } from './weight-binder.js';
import type { Precision } from './precision.js';
import { assertLoraApplied, withLoraBranch, type LoraBranchSpec } from './lora-branch.js';

/** Bump when any graph builder changes what it emits. */
export const COMPILER_VERSION = 3;

/** Default query rows per prefill attention chunk: scores of one chunk are heads × chunk × S floats. */
export const DEFAULT_PREFILL_CHUNK = 512;

export type GraphKind = 'vision' | 'generate' | 'generate-stream' | 'resume' | 'prefill' | 'step';

export interface CompileOptions {
  cacheDir: string;
  kinds: GraphKind[];
  /** Query rows per prefill attention chunk (default DEFAULT_PREFILL_CHUNK). */
  prefillChunk?: number;
  /** Weight precision (default fp32, the parity reference). */
  precision?: Precision;
  onProgress?: (stage: string, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Build and write the graphs against a planned (unwritten) weights layout: graph-size checks on real shapes. */
  planOnly?: boolean;
  /** A LoRA branch on these decoder linears, its factors as graph inputs (see lora-branch.ts). */
  lora?: LoraBranchSpec;
}

/** protobuf's hard limit on one serialised message: every weight must be external data. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

const BUILDERS: Record<GraphKind, (ck: Checkpoint, wb: ReturnType<typeof bindWeights>, opts: BuildOptions) => Graph> = {
  vision: buildVisionGraph,
  generate: (ck, wb, o) => buildGenerateGraph(ck, wb, o),
  'generate-stream': (ck, wb, o) => buildGenerateGraph(ck, wb, o, true),
  resume: (ck, wb) => buildResumeGraph(ck, wb),
  prefill: buildPrefillGraph,
  step: buildStepGraph,
};

/** Compiled graph files and the folder their external-data locations are relative to. */
export interface CompiledGraphs {
  paths: Record<GraphKind, string>;
  /** Give it to onnxruntime as the external-initializer folder when loading a graph (see graphSessionOptions). */
  externalDir: string;
}

/** Session options that let onnxruntime find a compiled graph's external weights (load the graph from its bytes). */
export function graphSessionOptions(externalDir: string): {
  extra: { session: { model_external_initializers_file_folder_path: string } };
} {
  return { extra: { session: { model_external_initializers_file_folder_path: externalDir } } };
}

/** Builds each requested graph and writes it (if not already there); returns the .onnx path of each requested graph. */
export function compileGraphs(ck: Checkpoint, opts: CompileOptions): CompiledGraphs {
  const names = [...visionWeightNames(ck), ...decoderWeightNames(ck)];
  const base = bindWeights(ck, {
    cacheDir: opts.cacheDir,
    names,
    precision: opts.precision,
    planOnly: opts.planOnly,
    signal: opts.signal,
    onProgress: (d, t) => opts.onProgress?.('convert-weights', d, t),
  });
  const wb = opts.lora ? withLoraBranch(base, opts.lora) : base;
  const out = {} as Record<GraphKind, string>;
  const prefillChunk = opts.prefillChunk ?? DEFAULT_PREFILL_CHUNK;
  if (!Number.isInteger(prefillChunk) || prefillChunk < 1)
    throw new AppError('INVALID_INPUT', `prefill chunk ${prefillChunk} is not a positive integer`);
  const build: BuildOptions = { prefillChunk };
  opts.kinds.forEach((kind, i) => {
    // Building is cheap (no weight data); naming by content hash means a changed builder never reuses a stale file.
    const graph = BUILDERS[kind](ck, wb, build);
    if (opts.lora && kind !== 'vision') assertLoraApplied(graph, opts.lora, kind);
    const bytes = encodeModel(graph, {
      metadata: { kind, compiler: String(COMPILER_VERSION), precision: wb.precision },
    });
    if (bytes.length > PROTOBUF_LIMIT)
      throw new AppError('INTERNAL', `${kind} graph is ${bytes.length} bytes, over protobuf's 2 GB limit`);
    const key = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const file = join(wb.graphDir, `molmoscope-${kind}-${key}.onnx`);
    if (!existsSync(file)) {
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, file);
    }
    out[kind] = file;
    opts.onProgress?.('compile', i + 1, opts.kinds.length);
  });
  return { paths: out, externalDir: wb.externalDir };
}
