// `molmoscope doctor`: checks ffmpeg, onnxruntime providers, GPU visibility, disk space and SQLite.
import { runDoctor, type DoctorCheck } from '../../core/doctor.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope doctor [--json]
      Check what Molmoscope needs on this machine (ffmpeg, onnxruntime cpu/webgpu/cuda providers,
      NVIDIA GPU, disk space, SQLite) and print a fix for each problem; then which released models fit
      this machine at which weight precision (estimated from their real shapes).
      Exit code 0 when nothing failed (warnings allowed), 1 when a check failed.
`;

const MARK: Record<DoctorCheck['status'], string> = { ok: '[ ok ]', warn: '[warn]', fail: '[FAIL]' };

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check ffmpeg, onnxruntime providers, GPU and disk space; print fixes.',
  usage,
  async run(argv, io, signal) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' } }, false);
    const ctx = createCoreContext({ host: 'cli', env: io.env });
    const report = await runDoctor(ctx, signal);
    if (values.json) {
      printJson(io.stdout, report);
    } else {
      for (const c of report.checks) {
        io.stdout.write(`${MARK[c.status]} ${c.title}: ${c.detail}\n`);
        if (c.fix && c.status !== 'ok') io.stdout.write(`       fix: ${c.fix}\n`);
      }
      io.stdout.write(
        report.ok ? '\nEverything required is in place.\n' : '\nSome required checks failed; see the fixes above.\n',
      );
    }
    return report.ok ? 0 : 1;
  },
};
