// The runtime's provider report for `doctor` and the UI: the static checks of providers.ts (driver, Vulkan, files)
// joined with a real one-node session per provider, run by core/platform/ort-providers.ts in one child process.
import { probeOrtProviders, type OrtProbe } from '../../platform/ort-providers.js';
import { providerStatus, type ProviderName, type ProviderStatus } from './providers.js';

export interface ProbedStatus extends ProviderStatus {
  /** Present when a session was actually tried: ok, or the reason onnxruntime gave. */
  probe?: { ok: boolean; error?: string };
}

export interface ProviderReport {
  /** onnxruntime-node version, when installed. */
  version: string | null;
  /** In selection order (cuda → webgpu → cpu). */
  providers: ProbedStatus[];
}

/** Static status of every provider plus, with `probe` (default), a real session on each; the session decides. */
export async function providerReport(
  opts: { probe?: boolean; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ProviderReport> {
  const statuses: ProbedStatus[] = providerStatus();
  if (opts.probe === false) return { version: null, providers: statuses };
  const ort: OrtProbe = await probeOrtProviders(opts.signal, opts.timeoutMs);
  for (const s of statuses) {
    const p = ort.providers.find((x) => x.name === s.name);
    if (!p) continue;
    s.probe = p.available ? { ok: true } : { ok: false, error: p.reason ?? 'unknown reason' };
    if (p.available) {
      s.available = true;
      continue;
    }
    // A static "available" that fails the real session keeps its detail and adds the session's error.
    s.reason = s.available ? `${s.reason}; session failed: ${p.reason ?? 'unknown reason'}` : s.reason;
    s.available = false;
    if (p.fix && !s.fix) s.fix = p.fix;
  }
  return { version: ort.version, providers: statuses };
}

/** Whether one provider runs a one-node session here (through the same probe as providerReport). */
export async function probeProvider(name: ProviderName, timeoutMs = 30_000): Promise<{ ok: boolean; error?: string }> {
  const r = await providerReport({ timeoutMs });
  return r.providers.find((p) => p.name === name)!.probe ?? { ok: false, error: 'not probed' };
}
