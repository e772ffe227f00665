// `molmoscope doctor`: checks what the app needs here (ffmpeg, onnxruntime providers, GPU, disk, SQLite)
// and answers each with ok/warn/fail plus the fix a user can act on.
import { execFile } from 'node:child_process';
import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CoreContext } from './context.js';
import { toApiError } from '../api/errors.js';
import { ffmpegVersion, resolveFfmpeg } from './media/ffmpeg-resolve.js';
import { providerReport } from './molmo2/engine/provider-probe.js';
import { sqliteVersion } from './app-info.js';
import { totalmem } from 'node:os';
import {
  estimateMemory,
  DEFAULT_BUDGET_SHARE,
  type MemoryConfig,
  type MemoryEstimate,
} from './molmo2/compile/memory-estimate.js';
import { PRECISIONS } from './molmo2/compile/precision.js';
import { RELEASED_SHAPES } from './molmo2/compile/released-shapes.js';
import { at } from '../api/at.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn/fail. */
  fix?: string;
}
export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

const GiB = 1024 ** 3;
/** The 4B checkpoint in bf16 is about 9.7 GB; converted weights and caches need room beside it. */
const DISK_WARN_BYTES = 20 * GiB;
const DISK_FAIL_BYTES = 2 * GiB;

/** The one supported Node line and its lowest release: package.json `engines.node` (^20.19.0) and .nvmrc say the same. */
export const SUPPORTED_NODE = { major: 20, minor: 19 } as const;

/** The doctor's verdict on a Node version: the supported line is ok, anything else fails with the fix. Inside
 * Electron the app runs on Electron's own Node, which is whatever that Electron ships: ok. */
export function checkNode(
  version: string = process.versions.node,
  electron: string | undefined = process.versions.electron,
): DoctorCheck {
  if (electron) return { id: 'node', title: 'Node.js', status: 'ok', detail: `Electron ${electron}'s Node ${version}` };
  const [major, minor] = version.split('.').map(Number) as [number, number];
  const want = `Node.js ${SUPPORTED_NODE.major} (${SUPPORTED_NODE.major}.${SUPPORTED_NODE.minor} or a later ${SUPPORTED_NODE.major}.x; .nvmrc)`;
  if (major === SUPPORTED_NODE.major && minor >= SUPPORTED_NODE.minor)
    return { id: 'node', title: 'Node.js', status: 'ok', detail: `Node ${version}` };
  const detail =
    major > SUPPORTED_NODE.major ? `Node ${version} is not the supported version` : `Node ${version} is too old`;
  return {
    id: 'node',
    title: 'Node.js',
    status: 'fail',
    detail,
    fix: `Install ${want}; npm ci refuses other versions (engine-strict).`,
  };
}

function checkFfmpeg(env: NodeJS.ProcessEnv): DoctorCheck {
  try {
    const bins = resolveFfmpeg(env);
    const version = ffmpegVersion(bins.ffmpeg);
    if (!version) {
      return {
        id: 'ffmpeg',
        title: 'ffmpeg',
        status: 'fail',
        detail: `${bins.ffmpeg} does not run (\`ffmpeg -version\` failed)`,
        fix: 'Reinstall ffmpeg (Debian/Ubuntu: `sudo apt-get install ffmpeg`) or point FFMPEG_BIN at a working binary.',
      };
    }
    return {
      id: 'ffmpeg',
      title: 'ffmpeg',
      status: 'ok',
      detail: `${version} at ${bins.ffmpeg} (ffprobe ${bins.ffprobe}; from ${bins.source})`,
    };
  } catch (err) {
    const e = toApiError(err);
    return { id: 'ffmpeg', title: 'ffmpeg', status: 'fail', detail: 'ffmpeg/ffprobe not found', fix: e.message };
  }
}

function nvidiaSmi(signal: AbortSignal): Promise<{ found: boolean; out: string; error?: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader'],
      { timeout: 15_000, signal, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolvePromise({ found: false, out: '' });
        if (err)
          return resolvePromise({ found: true, out: stdout, error: (stderr || err.message).trim().split('\n')[0] });
        resolvePromise({ found: true, out: stdout.trim() });
      },
    );
  });
}

/** The NVIDIA GPUs nvidia-smi lists, with their memory (empty without a driver). */
export async function listGpus(signal: AbortSignal): Promise<Array<{ name: string; memoryBytes: number | null }>> {
  const r = await nvidiaSmi(signal);
  if (!r.found || r.error || !r.out) return [];
  return r.out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name, mem] = l.split(',').map((x) => x.trim());
      const mib = /^(\d+)\s*MiB$/.exec(mem ?? '');
      return { name: name ?? l, memoryBytes: mib ? Number(mib[1]) * 1024 * 1024 : null };
    });
}

async function checkGpu(signal: AbortSignal): Promise<DoctorCheck> {
  const r = await nvidiaSmi(signal);
  if (!r.found) {
    return {
      id: 'gpu',
      title: 'NVIDIA GPU',
      status: 'warn',
      detail: 'nvidia-smi not found: no NVIDIA driver, so no GPU is visible; the model will run on the CPU (slowly).',
      fix: 'On a machine with an NVIDIA GPU, install the NVIDIA driver (R580+ recommended) so `nvidia-smi` lists it.',
    };
  }
  if (r.error || !r.out) {
    return {
      id: 'gpu',
      title: 'NVIDIA GPU',
      status: 'warn',
      detail: `nvidia-smi found but lists no GPU: ${r.error ?? 'empty output'}`,
      fix: 'Check that the driver matches the kernel (`nvidia-smi` must list the GPU); in a container, pass the GPU through (`--gpus all`).',
    };
  }
  const gpus = r.out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return { id: 'gpu', title: 'NVIDIA GPU', status: 'ok', detail: gpus.join('; ') };
}

function nearestExisting(p: string): string {
  let dir = p;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function checkDisk(ctx: CoreContext): DoctorCheck[] {
  const seen = new Set<string>();
  const out: DoctorCheck[] = [];
  for (const [label, path] of [
    ['models', ctx.paths.models],
    ['cache', ctx.paths.cache],
  ] as const) {
    const at = nearestExisting(path);
    try {
      const st = statfsSync(at);
      const key = `${st.type}:${st.blocks}:${st.bfree}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const free = st.bavail * st.bsize;
      const detail = `${(free / GiB).toFixed(1)} GiB free for ${label} (${path})`;
      if (free < DISK_FAIL_BYTES)
        out.push({
          id: `disk-${label}`,
          title: `Disk space (${label})`,
          status: 'fail',
          detail,
          fix: `Free space on that disk, or set MOLMOSCOPE_HOME to a disk with at least 20 GiB free.`,
        });
      else if (free < DISK_WARN_BYTES)
        out.push({
          id: `disk-${label}`,
          title: `Disk space (${label})`,
          status: 'warn',
          detail,
          fix: 'The 4B model needs about 10 GiB plus caches; free space or set MOLMOSCOPE_HOME to a larger disk.',
        });
      else out.push({ id: `disk-${label}`, title: `Disk space (${label})`, status: 'ok', detail });
    } catch (err) {
      out.push({
        id: `disk-${label}`,
        title: `Disk space (${label})`,
        status: 'warn',
        detail: `cannot read free space at ${at}: ${(err as Error).message}`,
      });
    }
  }
  return out;
}

function checkSqlite(): DoctorCheck {
  const v = sqliteVersion();
  return v
    ? { id: 'sqlite', title: 'SQLite (better-sqlite3)', status: 'ok', detail: `SQLite ${v}` }
    : {
        id: 'sqlite',
        title: 'SQLite (better-sqlite3)',
        status: 'fail',
        detail: 'better-sqlite3 does not load (missing build or built for another Node/Electron ABI)',
        fix: 'Run `npm run fetch:extras` (rebuilds it for this Node when it does not load); for the desktop app, `npm run rebuild:electron`.',
      };
}

const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

/**
 * What fits this machine, per released model and precision, from the real shapes: weights (ViT included) + fp32 KV
 * cache for 128 frames at the model's context + activations (estimateMemory). A precision fits when its estimate is
 * within 70 % of RAM (CPU) or of the GPU's memory.
 */
export function fitChecks(
  ramBytes: number,
  gpuBytes: number | null,
  models: Record<string, MemoryConfig> = RELEASED_SHAPES,
): DoctorCheck[] {
  return Object.entries(models).map(([name, cfg]) => {
    const est = PRECISIONS.map((p) => estimateMemory(cfg, p));
    const estCpu = PRECISIONS.map((p) => estimateMemory(cfg, p, 128, true));
    const fits = (list: MemoryEstimate[], budget: number) =>
      list.filter((e) => e.total <= DEFAULT_BUDGET_SHARE * budget).map((e) => e.precision);
    const cpu = fits(estCpu, ramBytes);
    const gpu = gpuBytes === null ? null : fits(est, gpuBytes);
    const fp16Cpu = estCpu.find((e) => e.precision === 'fp16');
    const need =
      est.map((e) => `${e.precision} needs ≈ ${gb(e.total)} (weights ${gb(e.weights)})`).join(', ') +
      (fp16Cpu ? ` (fp16 on the CPU provider ≈ ${gb(fp16Cpu.total)}: it holds fp16 weights as fp32)` : '');
    const where = [
      `RAM ${gb(ramBytes)}: ${cpu.length ? `${cpu.join(', ')} fit${cpu.length === 1 ? 's' : ''}` : 'none fits'}`,
    ];
    if (gpu)
      where.push(
        `GPU ${gb(gpuBytes!)}: ${gpu.length ? `${gpu.join(', ')} fit${gpu.length === 1 ? 's' : ''}` : 'none fits'}`,
      );
    const detail = `${name} with a 128-frame video (${at(est, 0, 'precision estimate').contextTokens} tokens): ${need}. ${where.join('; ')}.`;
    const ok = cpu.length > 0 || (gpu?.length ?? 0) > 0;
    return ok
      ? { id: `fit-${name}`, title: `Fits this machine: ${name}`, status: 'ok', detail }
      : {
          id: `fit-${name}`,
          title: `Fits this machine: ${name}`,
          status: 'warn',
          detail,
          fix: 'Use fewer frames per window, or a machine with more memory; int4 needs the least.',
        };
  });
}

/** GPU memory from the gpu check's nvidia-smi line ("NAME, 24564 MiB, DRIVER"), largest GPU; null when none. */
function gpuMemory(gpu: DoctorCheck): number | null {
  if (gpu.status !== 'ok') return null;
  const mib = [...gpu.detail.matchAll(/(\d+)\s*MiB/g)].map((m) => Number(m[1]));
  return mib.length ? Math.max(...mib) * 1024 ** 2 : null;
}

/** Runs every check; `ok` is false when any check failed (warnings do not count). */
export async function runDoctor(ctx: CoreContext, signal: AbortSignal): Promise<DoctorReport> {
  // Providers come from the runtime's report (static checks + a real one-node session each), so doctor and the
  // engine's selection explain availability the same way.
  const [report, gpu] = await Promise.all([providerReport({ signal }), checkGpu(signal)]);
  const providerChecks = report.providers.map((p): DoctorCheck => {
    const title = `onnxruntime provider: ${p.name}`;
    if (p.available)
      return {
        id: `provider-${p.name}`,
        title,
        status: 'ok',
        detail: `onnxruntime-node ${report.version ?? '?'}: ${p.name} runs a test graph (${p.reason})`,
      };
    // Only the CPU provider is required; the GPU ones are accelerations.
    return {
      id: `provider-${p.name}`,
      title,
      status: p.name === 'cpu' ? 'fail' : 'warn',
      detail: `unavailable: ${p.reason}`,
      ...(p.fix ? { fix: p.fix } : {}),
    };
  });
  const checks = [
    checkNode(),
    checkFfmpeg(ctx.env),
    ...providerChecks,
    gpu,
    ...checkDisk(ctx),
    checkSqlite(),
    ...fitChecks(totalmem(), gpuMemory(gpu)),
  ];
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
