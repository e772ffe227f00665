// The app side of the engine process: starts it lazily through the host's launcher, queues requests, turns a crash
// into ENGINE_CRASHED (GPU_OOM when the engine's last words were an out-of-memory error) and a failed start into
// ENGINE_START_FAILED with the engine's own error, cancels by killing, restarts on demand.
// An out-of-memory answer also retires the engine: its arenas stay grown and fragmented, so the next call starts fresh.
import { AppError, cancelledError, throwIfCancelled } from '../../../api/errors.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';
import type {
  EngineReply,
  EngineRequest,
  EngineStats,
  GenerateParams,
  GenerateReply,
  LoadParams,
  VideoFrames,
  VisionReply,
} from './protocol.js';
import type { GenerateRequest } from './runtime.js';
import type { EngineLauncher, EngineProcess } from './engine-process.js';
import { nodeEngineLauncher } from './engine-launcher.js';
import { exitSummary } from './exit-summary.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onTokens?: (tokens: number[]) => void };
type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

/** One started engine: its transport, whether it said it is up, whether it has the model, and how it ended. */
interface Child {
  proc: EngineProcess;
  ready: boolean;
  /** Settles when the engine says it is up (resolves) or exits first (rejects with why). */
  started: Promise<void>;
  loaded: boolean;
  exited: boolean;
  /** The client stopped it for not saying it was up in time. */
  startTimedOut: boolean;
  stderrTail: string;
}

/** Video frames per message to the engine: 4 frames of 378² are 1.7 MB, serialised in a few ms on the app's thread. */
const FRAMES_PER_MESSAGE = 4;

/** Tokens per streamed chunk: each chunk moves the KV cache once, so 16 keeps that to 1/16 of a per-token loop's. */
export const DEFAULT_STREAM_EVERY = 16;

/** A restartable engine process; one instance per app. */
export class EngineClient {
  private child: Child | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private load: LoadParams | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private cancelling = false;
  /** Number of engine processes started so far (restarts included). */
  starts = 0;
  onProgress?: (stage: string, done: number, total: number) => void;

  /**
   * `launch` starts an engine process (default: fork the built engine entry under this Node); an engine that has not
   * said it is up within `startTimeoutMs` is stopped and reported as ENGINE_START_FAILED.
   */
  constructor(
    private readonly launch: EngineLauncher = nodeEngineLauncher(),
    private readonly startTimeoutMs = 120_000,
  ) {}

  /** Pid of the running engine, if any. */
  get pid(): number | undefined {
    return this.child?.proc.pid;
  }

  private async spawn(): Promise<Child> {
    let proc: EngineProcess;
    try {
      proc = await this.launch();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(
        'ENGINE_START_FAILED',
        `the engine could not be started: ${(err as Error).message ?? String(err)}`,
      );
    }
    let up!: () => void;
    let down!: (e: Error) => void;
    const started = new Promise<void>((res, rej) => ((up = res), (down = rej)));
    const child: Child = {
      proc,
      ready: false,
      started,
      loaded: false,
      exited: false,
      startTimedOut: false,
      stderrTail: '',
    };
    this.starts++;
    proc.onStderr((text) => {
      child.stderrTail = (child.stderrTail + text).slice(-8000);
    });
    proc.onMessage((m) => {
      if ('event' in m && m.event === 'ready') up();
      this.onMessage(child, m);
    });
    proc.onExit((code, sig) => {
      down(exitError(child, code, sig));
      this.onExit(child, code, sig);
    });
    this.child = child;
    // Requests wait for 'ready': a message posted before the engine listens could be dropped by the transport.
    const timer = setTimeout(() => {
      child.startTimedOut = true;
      child.stderrTail += `\n(the engine did not say it was ready within ${this.startTimeoutMs / 1000} s; it was stopped)`;
      proc.kill();
    }, this.startTimeoutMs);
    try {
      await child.started;
    } finally {
      clearTimeout(timer);
    }
    return child;
  }

  private onMessage(child: Child, m: EngineReply): void {
    if ('event' in m) {
      if (m.event === 'ready') child.ready = true;
      else if (m.event === 'tokens') this.pending.get(m.id)?.onTokens?.(m.tokens);
      else this.onProgress?.(m.stage, m.done, m.total);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else if (m.error.code === 'GPU_OOM') {
      // Requests are serialised, so nothing else is pending: answer once the old engine is gone.
      const err = new AppError('GPU_OOM', `${m.error.message} (the engine was restarted)`, m.error.details);
      if (child.exited) p.reject(err);
      else {
        child.proc.onExit(() => p.reject(err));
        child.proc.kill();
      }
    } else p.reject(new AppError(m.error.code, m.error.message, m.error.details));
  }

  private onExit(child: Child, code: number | null, sig: string | null): void {
    child.exited = true;
    if (this.child === child) this.child = null;
    const cancelled = this.cancelling;
    this.cancelling = false;
    const err = cancelled
      ? cancelledError('The request (the engine was stopped; it restarts on the next request)')
      : exitError(child, code, sig);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private request<T>(
    msg: DistributiveOmit<EngineRequest, 'id'>,
    signal?: AbortSignal,
    onTokens?: (tokens: number[]) => void,
  ): Promise<T> {
    return this.inSlot((child) => this.send<T>(child, msg, signal, onTokens), signal, msg.op === 'load');
  }

  /**
   * Runs `steps` in one slot of the request queue, on a started engine that has the model (a restarted engine
   * reloads the model it had before the crash or cancel): no other request interleaves with them.
   */
  private inSlot<T>(steps: (child: Child) => Promise<T>, signal?: AbortSignal, loading = false): Promise<T> {
    const run = async (): Promise<T> => {
      throwIfCancelled(signal, 'The request');
      const child = this.child ?? (await this.spawn());
      throwIfCancelled(signal, 'The request');
      if (this.load && !loading && !child.loaded) await this.send(child, { op: 'load', params: this.load });
      return steps(child);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private send<T>(
    child: Child,
    msg: DistributiveOmit<EngineRequest, 'id'>,
    signal?: AbortSignal,
    onTokens?: (tokens: number[]) => void,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (child.exited) {
        reject(exitError(child, null, null));
        return;
      }
      const onAbort = () => this.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (v) => {
          settle();
          if (msg.op === 'load') child.loaded = true;
          resolve(v as T);
        },
        reject: (e) => {
          settle();
          reject(signal?.aborted ? cancelledError('The request') : e);
        },
        onTokens,
      });
      child.proc.send({ ...msg, id } as EngineRequest);
    });
  }

  /** Opens a checkpoint in the engine (graphs compile and sessions load lazily, with progress events). */
  async open(params: LoadParams): Promise<{ provider: string }> {
    this.load = params;
    return this.request({ op: 'load', params });
  }

  vision(
    pixels: Float32Array,
    nCrops: number,
    pooling: Int32Array,
    k: number,
    signal?: AbortSignal,
  ): Promise<VisionReply> {
    return this.request({ op: 'vision', params: { pixels, nCrops, pooling, k } }, signal);
  }

  /** Vision on video frames the engine preprocesses itself (the same videoPixels as preprocessFrames). */
  videoVision(video: VideoFrames, pooling: Int32Array, k: number, signal?: AbortSignal): Promise<VisionReply> {
    return this.inSlot((child) => this.seeFrames(child, video, pooling, k, false, signal), signal);
  }

  /**
   * A video question in one slot of the queue: the frames go over a few at a time, the engine preprocesses them and
   * runs vision, and generation uses the features it kept (they never cross to this process).
   */
  videoGenerate(
    video: VideoFrames,
    pooling: Int32Array,
    k: number,
    req: Omit<GenerateRequest, 'features'> & { naive?: boolean; streamEvery?: number },
    signal?: AbortSignal,
    onTokens?: (tokens: number[]) => void,
  ): Promise<GenerateReply & { visionMs: number }> {
    return this.inSlot(async (child) => {
      const v = await this.seeFrames(child, video, pooling, k, true, signal);
      throwIfCancelled(signal);
      const params = { ...this.streaming(req, onTokens), features: new Float32Array(0), keptFeatures: true };
      return {
        ...(await this.send<GenerateReply>(child, { op: 'generate', params }, signal, onTokens)),
        visionMs: v.ms,
      };
    }, signal);
  }

  /** Stages the frames FRAMES_PER_MESSAGE at a time (each message is serialised on this thread), then runs vision. */
  private async seeFrames(
    child: Child,
    video: VideoFrames,
    pooling: Int32Array,
    k: number,
    keep: boolean,
    signal?: AbortSignal,
  ): Promise<VisionReply> {
    const n = video.frames.length;
    for (let i = 0; i < n; i += FRAMES_PER_MESSAGE) {
      await this.send(
        child,
        { op: 'video-frames', params: { frames: video.frames.slice(i, i + FRAMES_PER_MESSAGE), first: i === 0 } },
        signal,
      );
    }
    return this.send<VisionReply>(
      child,
      { op: 'video-vision', params: { cfg: video.cfg, nFrames: n, pooling, k, keep } },
      signal,
    );
  }

  private streaming<R extends { naive?: boolean; streamEvery?: number }>(
    req: R,
    onTokens?: (tokens: number[]) => void,
  ): R {
    return onTokens && !req.naive ? { ...req, streamEvery: req.streamEvery ?? DEFAULT_STREAM_EVERY } : req;
  }

  /** Generates; with `onTokens`, streams chunks of `streamEvery` tokens (default 16) as the engine produces them. */
  generate(req: GenerateParams, signal?: AbortSignal, onTokens?: (tokens: number[]) => void): Promise<GenerateReply> {
    return this.request({ op: 'generate', params: this.streaming(req, onTokens) }, signal, onTokens);
  }

  stats(): Promise<EngineStats> {
    return this.request({ op: 'stats' });
  }

  /** Stops whatever runs now by killing the engine (a run cannot be interrupted otherwise); pending calls reject. */
  cancel(): void {
    if (!this.child) return;
    this.cancelling = true;
    this.child.proc.kill();
  }

  /** Ends the engine process and waits until it is gone. */
  async close(): Promise<void> {
    const c = this.child;
    if (!c || c.exited) return;
    await new Promise<void>((res) => {
      c.proc.onExit(() => res());
      c.proc.kill();
    });
  }
}

/**
 * The error pending calls get when the engine exits on its own: a failed start (it exited by itself, or was stopped
 * for not starting in time, before saying it was up), an out-of-memory death, or a crash (a signal from outside —
 * the OOM killer, a driver fault, a user's kill — also while starting: the next start may well work).
 */
function exitError(child: Child, code: number | null, sig: string | null): AppError {
  const how = `code ${code}, signal ${sig}`;
  const said = exitSummary(child.stderrTail);
  const details = child.stderrTail ? { stderr: child.stderrTail.slice(-2000) } : undefined;
  if (!child.ready && (sig === null || child.startTimedOut)) {
    return new AppError(
      'ENGINE_START_FAILED',
      `the engine process exited before it started (${how})${said ? `: ${said}` : ''}`,
      details,
    );
  }
  if (OUT_OF_MEMORY.test(child.stderrTail)) {
    return new AppError(
      'GPU_OOM',
      `the engine ran out of memory and was restarted: ${child.stderrTail.slice(-300)}`,
      details,
    );
  }
  return new AppError(
    'ENGINE_CRASHED',
    `the engine process exited (${how}); it restarts on the next request${said ? `: ${said}` : ''}`,
    details,
  );
}
