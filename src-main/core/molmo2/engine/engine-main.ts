// Entry point of the engine child process: owns the Molmo2 runtime and its onnxruntime sessions.
// Loads lazily on the first request that needs a model; every failure is answered as an ApiError.
import { readFileSync } from 'node:fs';
import { AppError, toApiError } from '../../../api/errors.js';
import { Molmo2Runtime } from './runtime.js';
import type { EngineReply, EngineRequest, LoadParams } from './protocol.js';

let rt: Molmo2Runtime | null = null;
let loaded: LoadParams | null = null;

const send = (m: EngineReply) => process.send!(m);

function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return process.memoryUsage().rss;
}

async function handle(req: EngineRequest): Promise<unknown> {
  if (req.op === 'stats') return { peakRssBytes: peakRss(), provider: rt?.provider ?? null };
  if (req.op === 'load') {
    if (!rt || JSON.stringify(loaded) !== JSON.stringify(req.params)) {
      await rt?.dispose();
      rt = Molmo2Runtime.open(req.params.modelDir, {
        ...req.params,
        onProgress: (stage, done, total) => send({ event: 'progress', stage, done, total }),
      });
      loaded = req.params;
    }
    return { provider: rt.provider };
  }
  if (!rt) throw new AppError('INTERNAL', 'engine: no model loaded');
  if (req.op === 'vision') return rt.vision(req.params.pixels, req.params.nCrops, req.params.pooling, req.params.k);
  if (req.params.naive) return rt.generateNaive(req.params);
  if (req.params.streamEvery) return rt.generateStream(req.params, req.params.streamEvery, (tokens) => send({ event: 'tokens', id: req.id, tokens }));
  return rt.generate(req.params);
}

process.on('message', (req: EngineRequest) => {
  handle(req).then(
    (value) => send({ id: req.id, ok: true, value }),
    (err) => send({ id: req.id, ok: false, error: toApiError(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
