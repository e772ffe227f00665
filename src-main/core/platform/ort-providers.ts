// Which onnxruntime execution providers (cpu, webgpu, cuda) really work here: each is tried by creating a
// one-node ONNX session in a child process, so native noise or a crash in a provider cannot hurt the caller.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError, cancelledError } from '../../api/errors.js';

export type ProviderName = 'cpu' | 'webgpu' | 'cuda';
export interface ProviderProbe {
  name: ProviderName;
  available: boolean;
  reason?: string;
  /** What to do to make it available (absent when it is). */
  fix?: string;
}
export interface OrtProbe {
  version: string | null;
  /** Directory of onnxruntime-node's native binaries for this platform, when found. */
  binDir: string | null;
  providers: ProviderProbe[];
}

// A float32[1] Identity model (84 bytes), encoded once with onnx-proto; enough to make a provider compile a graph.
const IDENTITY_MODEL_B64 =
  'CAgSEW1vbG1vc2NvcGUtZG9jdG9yOjcKEAoBeBIBeSIISWRlbnRpdHkSAWdaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN';

// Runs in the child: tries each provider on the identity model and prints one JSON line.
const CHILD_SCRIPT = `
const ort = require(process.argv[1]);
const bytes = Buffer.from(process.argv[2], 'base64');
(async () => {
  const out = {};
  for (const ep of ['cpu', 'webgpu', 'cuda']) {
    try {
      const s = await ort.InferenceSession.create(bytes, { executionProviders: [ep], logSeverityLevel: 4 });
      const r = await s.run({ x: new ort.Tensor('float32', new Float32Array([3]), [1]) });
      out[ep] = r.y && r.y.data[0] === 3 ? { ok: true } : { ok: false, error: 'wrong result from identity graph' };
      await s.release();
    } catch (e) { out[ep] = { ok: false, error: String(e && e.message || e) }; }
  }
  process.stdout.write(JSON.stringify(out) + '\\n');
})();
`;

function ortLocation(): { main: string; version: string | null; binDir: string | null } | null {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('onnxruntime-node');
    let dir = dirname(main);
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
    const binDir = join(dir, 'bin', 'napi-v6', process.platform, process.arch);
    return { main, version: pkg.version ?? null, binDir: existsSync(binDir) ? binDir : null };
  } catch {
    return null;
  }
}

/** First line of a native error, without ANSI codes and source paths, short enough to show a user. */
function shortError(msg: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = msg.replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0] ?? '';
  const m = /\] : \d+ : \w+ : (.*)$/.exec(clean) ?? /::<lambda\(\)> (.*)$/.exec(clean);
  return (m ? m[1]! : clean).replace(/^.*? was false\. /, '').slice(0, 240);
}

function explain(name: ProviderName, error: string, binDir: string | null): ProviderProbe {
  const reason = shortError(error);
  if (name === 'cuda') {
    const hasLib = binDir !== null && existsSync(join(binDir, 'libonnxruntime_providers_cuda.so'));
    if (!hasLib) {
      return {
        name,
        available: false,
        reason:
          `onnxruntime-node's CUDA provider is not installed (no libonnxruntime_providers_cuda.so in ${binDir ?? 'its bin dir'}); ` +
          'it is downloaded by its install script only on an online Linux x64 machine.',
        fix: 'On Linux x64 with an NVIDIA driver and the CUDA runtime: run `npm run fetch:extras` with network access (it downloads the CUDA provider).',
      };
    }
    return {
      name,
      available: false,
      reason,
      fix: 'Check the NVIDIA driver (`nvidia-smi`) and that the CUDA runtime/cuDNN libraries the provider needs are on the library path (`ldd` the provider .so).',
    };
  }
  if (name === 'webgpu') {
    return {
      name,
      available: false,
      reason,
      fix: 'WebGPU needs a GPU with a Vulkan (Linux), Metal or D3D12 driver; on a headless or GPU-less machine use the cpu provider (or cuda on NVIDIA).',
    };
  }
  return {
    name,
    available: false,
    reason,
    fix: 'Reinstall onnxruntime-node (`npm ci`); its CPU binaries ship inside the package.',
  };
}

/** Tries the cpu, webgpu and cuda providers in a child process (killed on abort or after `timeoutMs`). */
export async function probeOrtProviders(signal?: AbortSignal, timeoutMs = 30_000): Promise<OrtProbe> {
  const loc = ortLocation();
  if (!loc) {
    const fix = 'Run `npm ci` in the app directory (onnxruntime-node is a dependency).';
    const reason = 'onnxruntime-node is not installed';
    return {
      version: null,
      binDir: null,
      providers: (['cpu', 'webgpu', 'cuda'] as const).map((name) => ({ name, available: false, reason, fix })),
    };
  }
  const raw = await new Promise<Record<string, { ok: boolean; error?: string }>>((resolvePromise, reject) => {
    if (signal?.aborted) return reject(cancelledError('The provider probe'));
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT, loc.main, IDENTITY_MODEL_B64], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => reject(new AppError('INTERNAL', `provider probe could not start: ${e.message}`)));
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) return reject(cancelledError('The provider probe'));
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(line));
      } catch {
        const why = sig ? `killed by ${sig}` : `exit code ${code}`;
        resolvePromise(
          Object.fromEntries(
            ['cpu', 'webgpu', 'cuda'].map((n) => [
              n,
              { ok: false, error: `probe process failed (${why}): ${stderr.trim().split('\n').pop() ?? ''}` },
            ]),
          ),
        );
      }
    });
  });
  const providers = (['cpu', 'webgpu', 'cuda'] as const).map((name): ProviderProbe => {
    const r = raw[name];
    return r?.ok ? { name, available: true } : explain(name, r?.error ?? 'not probed', loc.binDir);
  });
  return { version: loc.version, binDir: loc.binDir, providers };
}

let cached: Promise<OrtProbe> | null = null;
/** probeOrtProviders once per process (providers do not appear or vanish while the app runs). */
export function cachedOrtProbe(): Promise<OrtProbe> {
  cached ??= probeOrtProviders().catch((e: unknown) => {
    cached = null;
    throw e;
  });
  return cached;
}
