// The app side of the engine process: spawns it lazily, queues requests, turns a crash into ENGINE_CRASHED
// (GPU_OOM when the engine's last words were an out-of-memory error), cancels by killing, restarts on demand.
// An out-of-memory answer also retires the engine: its arenas stay grown and fragmented, so the next call starts fresh.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../api/errors.js';
import { OUT_OF_MEMORY, type EngineReply, type EngineRequest, type EngineStats, type GenerateReply, type LoadParams, type VisionReply } from './protocol.js';
import type { GenerateRequest } from './runtime.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onTokens?: (tokens: number[]) => void };
type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

/** Tokens per streamed chunk: each chunk moves the KV cache once, so 16 keeps that to 1/16 of a per-token loop's. */
export const DEFAULT_STREAM_EVERY = 16;

/** A restartable engine process; one instance per app. */
export class EngineClient {
  private child: ChildProcess | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private load: LoadParams | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private cancelling = false;
  /** Number of engine processes started so far (restarts included). */
  starts = 0;
  onProgress?: (stage: string, done: number, total: number) => void;

  /** Pid of the running engine, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): ChildProcess {
    const here = fileURLToPath(import.meta.url);
    const entry = here.replace(/engine-client\.(ts|js)$/, (_m, ext: string) => `engine-main.${ext}`);
    const execArgv = here.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = fork(entry, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.starts++;
    this.stderrTail = '';
    child.stderr?.on('data', (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString()).slice(-4000);
    });
    child.on('message', (m: EngineReply) => {
      if ('event' in m) {
        if (m.event === 'tokens') this.pending.get(m.id)?.onTokens?.(m.tokens);
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
        child.once('exit', () => p.reject(err));
        child.kill('SIGKILL');
      } else p.reject(new AppError(m.error.code, m.error.message, m.error.details));
    });
    child.on('exit', (code, sig) => {
      if (this.child === child) this.child = null;
      const oom = OUT_OF_MEMORY.test(this.stderrTail);
      const cancelled = this.cancelling;
      this.cancelling = false;
      for (const p of this.pending.values()) {
        p.reject(cancelled
          ? new AppError('CANCELLED', 'cancelled (engine stopped; it restarts on the next request)')
          : oom
          ? new AppError('GPU_OOM', `the engine ran out of memory and was restarted: ${this.stderrTail.slice(-300)}`)
          : new AppError('ENGINE_CRASHED', `the engine process exited (code ${code}, signal ${sig}); it restarts on the next request`));
      }
      this.pending.clear();
    });
    this.child = child;
    return child;
  }

  private request<T>(msg: DistributiveOmit<EngineRequest, 'id'>, signal?: AbortSignal, onTokens?: (tokens: number[]) => void): Promise<T> {
    const run = async (): Promise<T> => {
      if (signal?.aborted) throw new AppError('CANCELLED', 'cancelled before it started');
      const child = this.child ?? this.spawn();
      if (this.starts > 0 && this.load && msg.op !== 'load' && !(child as ChildProcess & { loaded?: boolean }).loaded) {
        // A restarted engine reloads the model it had before the crash or cancel.
        await this.send(child, { op: 'load', params: this.load });
      }
      return this.send<T>(child, msg, signal, onTokens);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private send<T>(child: ChildProcess, msg: DistributiveOmit<EngineRequest, 'id'>, signal?: AbortSignal, onTokens?: (tokens: number[]) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => this.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => { signal?.removeEventListener('abort', onAbort); if (msg.op === 'load') (child as ChildProcess & { loaded?: boolean }).loaded = true; resolve(v as T); },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(signal?.aborted ? new AppError('CANCELLED', 'cancelled') : e); },
        onTokens,
      });
      child.send({ ...msg, id } as EngineRequest);
    });
  }

  /** Opens a checkpoint in the engine (graphs compile and sessions load lazily, with progress events). */
  async open(params: LoadParams): Promise<{ provider: string }> {
    this.load = params;
    return this.request({ op: 'load', params });
  }

  vision(pixels: Float32Array, nCrops: number, pooling: Int32Array, k: number, signal?: AbortSignal): Promise<VisionReply> {
    return this.request({ op: 'vision', params: { pixels, nCrops, pooling, k } }, signal);
  }

  /** Generates; with `onTokens`, streams chunks of `streamEvery` tokens (default 16) as the engine produces them. */
  generate(req: GenerateRequest & { naive?: boolean; streamEvery?: number }, signal?: AbortSignal, onTokens?: (tokens: number[]) => void): Promise<GenerateReply> {
    const params = onTokens && !req.naive ? { ...req, streamEvery: req.streamEvery ?? DEFAULT_STREAM_EVERY } : req;
    return this.request({ op: 'generate', params }, signal, onTokens);
  }

  stats(): Promise<EngineStats> {
    return this.request({ op: 'stats' });
  }

  /** Stops whatever runs now by killing the engine (a run cannot be interrupted otherwise); pending calls reject. */
  cancel(): void {
    if (!this.child) return;
    this.cancelling = true;
    this.child.kill('SIGKILL');
  }

  /** Ends the engine process. */
  async close(): Promise<void> {
    const c = this.child;
    if (!c) return;
    await new Promise<void>((res) => {
      c.once('exit', () => res());
      c.kill('SIGKILL');
    });
  }
}
