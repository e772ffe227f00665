// Entry point of the engine process: owns the Molmo2 runtime and its onnxruntime sessions.
// Speaks over Node's fork IPC or Electron's utilityProcess parentPort; every failure is answered as an ApiError.
import { readFileSync } from 'node:fs';
import { AppError, toApiError } from '../../../api/errors.js';
import type {
  EngineReply,
  EngineRequest,
  GenerateParams,
  LoadParams,
  VideoVisionParams,
  VisionReply,
} from './protocol.js';
import type { RgbImage } from '../preprocess/resize.js';
import type { Molmo2Runtime } from './runtime.js';
import { videoPixels } from '../preprocess/video.js';

/** The channel to the app: Electron's parentPort in a utilityProcess, else Node's IPC channel of a fork. */
interface ParentChannel {
  send(m: EngineReply): void;
  onMessage(cb: (m: EngineRequest) => void): void;
}

interface ElectronParentPort {
  postMessage(m: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
}

function parentChannel(): ParentChannel {
  const port = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      send: (m) => port.postMessage(m),
      onMessage: (cb) => port.on('message', (e) => cb(e.data as EngineRequest)),
    };
  }
  if (!process.send) throw new Error('the Molmoscope engine must be started by the app (no IPC channel to talk on)');
  // The app went away (it exited or closed the channel): nothing is left to answer.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (m) => void process.send!(m),
    onMessage: (cb) => process.on('message', (m) => cb(m as EngineRequest)),
  };
}

function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.memoryUsage().rss;
}

/**
 * Test hook (tests/core/library/poison-file.test.ts): with MOLMOSCOPE_TEST_CRASH_ON_BLANK_FRAMES=1, single-colour
 * frames kill this process the way a native crash on a poison file would, so the app's handling of it is tested for real.
 */
function crashOnBlankFrames(pixels: Float32Array): void {
  if (process.env.MOLMOSCOPE_TEST_CRASH_ON_BLANK_FRAMES !== '1' || pixels.length === 0) return;
  const first = pixels[0];
  for (const v of pixels) if (v !== first) return;
  process.kill(process.pid, 'SIGKILL');
}

/** The runtime module, imported on first load so a native module that fails to load is an answer, not a silent exit. */
async function runtimeModule(): Promise<typeof import('./runtime.js')> {
  try {
    return await import('./runtime.js');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new AppError(
      'ENGINE_START_FAILED',
      `the engine could not load onnxruntime: ${e.code ? `${e.code}: ` : ''}${e.message}`,
    );
  }
}

/** One engine's state: the runtime of the loaded checkpoint, if any. */
class Engine {
  private rt: Molmo2Runtime | null = null;
  private loaded: LoadParams | null = null;
  /** Video frames received so far for the next 'video-vision'. */
  private staged: RgbImage[] = [];
  /** Features the last 'video-vision' kept for the next 'generate'. */
  private kept: Float32Array | null = null;
  constructor(private readonly channel: ParentChannel) {}

  async handle(req: EngineRequest): Promise<unknown> {
    if (req.op === 'stats') return { peakRssBytes: peakRss(), provider: this.rt?.provider ?? null };
    if (req.op === 'load') return this.load(req.params);
    const rt = this.rt;
    if (!rt) throw new AppError('INTERNAL', 'engine: no model loaded');
    if (req.op === 'vision') {
      crashOnBlankFrames(req.params.pixels);
      return rt.vision(req.params.pixels, req.params.nCrops, req.params.pooling, req.params.k);
    }
    if (req.op === 'video-frames') {
      if (req.params.first) this.staged = [];
      this.staged.push(...req.params.frames);
      return { staged: this.staged.length };
    }
    if (req.op === 'video-vision') return this.videoVision(rt, req.params);
    return this.generate(rt, req.id, req.params);
  }

  /** Vision on the staged frames, preprocessed here (the same videoPixels as the app's preprocessFrames). */
  private async videoVision(rt: Molmo2Runtime, p: VideoVisionParams): Promise<VisionReply> {
    const frames = this.staged;
    this.staged = [];
    this.kept = null;
    if (frames.length !== p.nFrames)
      throw new AppError('INTERNAL', `engine: ${frames.length} frames staged for a ${p.nFrames}-frame video`);
    const pixels = videoPixels(frames, p.cfg);
    crashOnBlankFrames(pixels);
    const v = await rt.vision(pixels, frames.length, p.pooling, p.k);
    if (!p.keep) return v;
    this.kept = v.features;
    return { features: new Float32Array(0), ms: v.ms };
  }

  private generate(rt: Molmo2Runtime, id: number, p: GenerateParams): Promise<unknown> {
    if (p.keptFeatures) {
      if (!this.kept) throw new AppError('INTERNAL', 'engine: no kept video features to generate from');
      p = { ...p, features: this.kept };
      this.kept = null;
    }
    if (p.naive) return rt.generateNaive(p);
    if (p.streamEvery)
      return rt.generateStream(p, p.streamEvery, (tokens) => this.channel.send({ event: 'tokens', id, tokens }));
    return rt.generate(p);
  }

  private async load(params: LoadParams): Promise<{ provider: string }> {
    if (!this.rt || JSON.stringify(this.loaded) !== JSON.stringify(params)) {
      const { Molmo2Runtime } = await runtimeModule();
      await this.rt?.dispose();
      this.rt = null;
      this.loaded = null;
      this.rt = Molmo2Runtime.open(params.modelDir, {
        ...params,
        onProgress: (stage, done, total) => this.channel.send({ event: 'progress', stage, done, total }),
      });
      this.loaded = params;
    }
    return { provider: this.rt.provider };
  }
}

const channel = parentChannel();
const engine = new Engine(channel);
channel.onMessage((req) => {
  engine.handle(req).then(
    (value) => channel.send({ id: req.id, ok: true, value }),
    (err) => channel.send({ id: req.id, ok: false, error: toApiError(err) }),
  );
});
channel.send({ event: 'ready', pid: process.pid });
