// Probes an execution provider for `doctor`: creates and runs a one-node session in a child process, so a driver
// crash or hang cannot take the app down; answers with the provider's own error when it fails.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph } from '../compile/graph.js';
import { encodeModel } from '../compile/emit.js';
import * as o from '../compile/ops.js';
import { providerStatus, type ProviderName, type ProviderStatus } from './providers.js';

export interface ProbedStatus extends ProviderStatus {
  /** Present when a session was actually tried: ok, or the error onnxruntime gave. */
  probe?: { ok: boolean; error?: string; ms: number };
}

const SCRIPT = `
const ort = require(process.argv[1]);
(async () => {
  const s = await ort.InferenceSession.create(process.argv[2], { executionProviders: [process.argv[3]] });
  const r = await s.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) });
  if (r.y.data[1] !== 4) throw new Error('wrong result ' + r.y.data);
})().then(() => process.exit(0), (e) => { process.stderr.write(String(e && e.message || e)); process.exit(3); });
`;

/** Runs x+x on `name` in a child process (timeout → failure). */
export function probeProvider(name: ProviderName, timeoutMs = 30_000): Promise<{ ok: boolean; error?: string; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'molmoscope-probe-'));
  const g = new Graph('probe');
  const x = g.input('x', 'float32', [2]);
  g.output(o.add(g, x, x), 'y');
  const file = join(dir, 'probe.onnx');
  writeFileSync(file, encodeModel(g));
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', SCRIPT, ortPath, file, name], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, _out, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      const ms = performance.now() - t0;
      if (!err) resolve({ ok: true, ms });
      else resolve({ ok: false, ms, error: (err.killed ? `no answer within ${timeoutMs} ms` : stderr.trim() || err.message).slice(0, 500) });
    });
  });
}

/** Static availability plus, for the providers that look available, a real one-node session. */
export async function providerReport(probe = true): Promise<ProbedStatus[]> {
  const out: ProbedStatus[] = providerStatus();
  if (!probe) return out;
  for (const s of out) {
    if (!s.available) continue;
    s.probe = await probeProvider(s.name);
    if (!s.probe.ok) {
      s.available = false;
      s.reason = `${s.reason}; session failed: ${s.probe.error}`;
    }
  }
  return out;
}
