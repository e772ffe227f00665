// Execution-provider availability (cuda → webgpu → cpu) with a reason when one is unavailable, and selection.
// Static checks only (files, driver, Vulkan); `doctor` can add a real probe by creating a one-node session.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError } from '../../../api/errors.js';

export type ProviderName = 'cuda' | 'webgpu' | 'cpu';
export const PROVIDER_ORDER: readonly ProviderName[] = ['cuda', 'webgpu', 'cpu'];

export interface ProviderStatus {
  name: ProviderName;
  available: boolean;
  /** Why it is unavailable (or a caveat when available). */
  reason: string;
  /** What to do about it, when the static check knows better than onnxruntime's error. */
  fix?: string;
}

function ortBinDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

function anyExists(paths: string[]): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

/** Oldest Linux driver that runs CUDA 12 builds (NVIDIA's minor-version compatibility floor), onnxruntime-node's CUDA flavour. */
export const MIN_CUDA12_DRIVER = '525.60.13';

/** Why the driver in a /proc/driver/nvidia/version line is too old for the CUDA 12 provider, or null when it is not. */
export function cudaDriverTooOld(versionLine: string): string | null {
  const m = /Kernel Module(?:\s+for\s+\S+)?\s+(\d+)\.(\d+)(?:\.(\d+))?/.exec(versionLine);
  if (!m) return null; // unknown format: let the real probe decide
  const have = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const need = MIN_CUDA12_DRIVER.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if (have[i]! > need[i]!) return null;
    if (have[i]! < need[i]!) {
      return `NVIDIA driver ${m[0].split(/\s+/).pop()} is too old for onnxruntime's CUDA 12 provider (needs ≥ ${MIN_CUDA12_DRIVER}; R580+ recommended)`;
    }
  }
  return null;
}

/** Why each provider is or is not usable on this machine (no GPU work is started). */
export function providerStatus(): ProviderStatus[] {
  const bin = ortBinDir();
  const out: ProviderStatus[] = [];
  // CUDA: onnxruntime-node ships it only for linux/x64 and downloads it at install time on an online machine.
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    out.push({
      name: 'cuda',
      available: false,
      reason: `onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch} (Linux x64 only)`,
    });
  } else if (!bin || !existsSync(join(bin, 'libonnxruntime_providers_cuda.so'))) {
    out.push({
      name: 'cuda',
      available: false,
      reason: `CUDA provider not installed (no libonnxruntime_providers_cuda.so in ${bin ?? 'onnxruntime-node/bin'}; it is downloaded by onnxruntime-node's install script on an online machine)`,
    });
  } else if (!existsSync('/proc/driver/nvidia/version')) {
    out.push({
      name: 'cuda',
      available: false,
      reason: 'no NVIDIA driver loaded (/proc/driver/nvidia/version missing)',
    });
  } else {
    const drv = readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0] ?? '';
    const old = cudaDriverTooOld(drv);
    out.push(
      old
        ? {
            name: 'cuda',
            available: false,
            reason: old,
            fix: `Update the NVIDIA driver to ${MIN_CUDA12_DRIVER} or newer (R580+ recommended), then check \`nvidia-smi\`.`,
          }
        : { name: 'cuda', available: true, reason: `NVIDIA driver: ${drv.trim()}` },
    );
  }
  // WebGPU (Dawn, statically linked): needs a GPU adapter; on Linux that means Vulkan + a render node.
  if (process.platform === 'linux') {
    const vk = anyExists([
      '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
      '/usr/lib64/libvulkan.so.1',
      '/usr/lib/libvulkan.so.1',
    ]);
    let render = false;
    try {
      render = readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
    } catch {
      /* no /dev/dri */
    }
    if (!vk) out.push({ name: 'webgpu', available: false, reason: 'Vulkan loader (libvulkan.so.1) not found' });
    else if (!render) out.push({ name: 'webgpu', available: false, reason: 'no GPU render node in /dev/dri' });
    else
      out.push({
        name: 'webgpu',
        available: true,
        reason: 'Vulkan loader and a render node found (adapter not probed)',
      });
  } else {
    out.push({ name: 'webgpu', available: true, reason: 'bundled with onnxruntime-node (adapter not probed)' });
  }
  out.push({ name: 'cpu', available: true, reason: 'always available' });
  return out;
}

/** The requested provider (PROVIDER_UNAVAILABLE with the reason if it cannot run) or the first available in order. */
export function selectProvider(requested?: string, statuses = providerStatus()): ProviderName {
  if (requested !== undefined) {
    if (!PROVIDER_ORDER.includes(requested as ProviderName))
      throw new AppError('INVALID_INPUT', `--ep must be one of ${PROVIDER_ORDER.join(', ')}, got "${requested}"`);
    const s = statuses.find((x) => x.name === requested)!;
    if (!s.available) throw new AppError('PROVIDER_UNAVAILABLE', `${requested}: ${s.reason}`);
    return s.name;
  }
  return statuses.find((s) => s.available)!.name;
}
