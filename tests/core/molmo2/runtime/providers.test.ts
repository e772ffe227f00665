// Provider availability and selection: CPU always runs (probed for real), an unavailable provider is refused with
// PROVIDER_UNAVAILABLE and its reason, an unknown name is INVALID_INPUT, and the default follows cuda → webgpu → cpu.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../../../src-main/api/errors.js';
import { cudaDriverTooOld, providerStatus, selectProvider } from '../../../../src-main/core/molmo2/engine/providers.js';
import { probeProvider, providerReport } from '../../../../src-main/core/molmo2/engine/provider-probe.js';

test('provider selection and probe', async () => {
  const st = providerStatus();
  assert.deepEqual(
    st.map((s) => s.name),
    ['cuda', 'webgpu', 'cpu'],
  );
  for (const s of st) assert.ok(s.reason.length > 0);
  assert.equal(selectProvider('cpu', st), 'cpu');
  const fake = st.map((s) =>
    s.name === 'cpu' ? s : { ...s, available: false, reason: `${s.name} missing for the test` },
  );
  assert.equal(selectProvider(undefined, fake), 'cpu');
  assert.throws(
    () => selectProvider('cuda', fake),
    (e: unknown) => e instanceof AppError && e.code === 'PROVIDER_UNAVAILABLE' && /cuda missing/.test(e.message),
  );
  assert.throws(
    () => selectProvider('tpu', fake),
    (e: unknown) => e instanceof AppError && e.code === 'INVALID_INPUT',
  );
  const withGpu = st.map((s) => ({ ...s, available: true }));
  assert.equal(selectProvider(undefined, withGpu), 'cuda');
  const cpu = await probeProvider('cpu');
  assert.equal(cpu.ok, true, cpu.error);
  // The report doctor shows: every provider really probed; unavailable ones say why.
  const rep = await providerReport();
  assert.deepEqual(
    rep.providers.map((p) => p.name),
    ['cuda', 'webgpu', 'cpu'],
  );
  for (const p of rep.providers) {
    assert.ok(p.probe, `${p.name} was not probed`);
    assert.equal(p.available, p.probe.ok);
    if (!p.available) assert.ok(p.reason.length > 0 && p.probe.error, `${p.name} unavailable without a reason`);
  }
  assert.equal(rep.providers.find((p) => p.name === 'cpu')!.available, true);
});

test('a CUDA driver older than CUDA 12 needs is explained, with the version it has and the one it needs', () => {
  // First lines of /proc/driver/nvidia/version as real drivers write them.
  const old = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.223.02  Sat Oct  7 15:39:11 UTC 2023';
  assert.match(cudaDriverTooOld(old) ?? '', /470\.223\.02 is too old .*needs ≥ 525\.60\.13/);
  assert.match(
    cudaDriverTooOld('NVRM version: NVIDIA UNIX x86_64 Kernel Module  525.60.11  Wed Nov 23 23:04:03 UTC 2022') ?? '',
    /too old/,
  );
  assert.equal(
    cudaDriverTooOld('NVRM version: NVIDIA UNIX x86_64 Kernel Module  525.60.13  Wed Nov 23 23:04:03 UTC 2022'),
    null,
  );
  assert.equal(
    cudaDriverTooOld(
      'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build  (dvs-builder@U16-I3-B07-4-3)  Tue Sep 23 09:55:41 UTC 2025',
    ),
    null,
  );
  assert.match(
    cudaDriverTooOld('NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  515.43.04  Release Build') ?? '',
    /515\.43\.04 is too old/,
  );
  assert.equal(
    cudaDriverTooOld('something else entirely'),
    null,
    'an unknown format is left to the real session probe',
  );
});
