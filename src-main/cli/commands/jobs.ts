// `molmoscope jobs list|show|pause|resume|cancel --library DB`: inspect and control persisted jobs.
// Pause/cancel of a job running in another process take effect at its next check (within a quarter of a second).
import { AppError } from '../../api/errors.js';
import { cancelJob, getJob, listJobs, pauseJob, resumeJob, type Job, type JobStatus } from '../../core/library/jobs.js';
import { asLibraryError } from '../../core/library/store.js';
import { numberFlag, parseFlags, printJson, type Command } from '../command.js';
import { openLibraryFlag } from './library-flag.js';

const usage = `Usage:
  molmoscope jobs list --library DB [--status queued,running,…] [--json]
  molmoscope jobs show ID --library DB [--json]
  molmoscope jobs pause|resume|cancel ID --library DB [--json]
      Paused jobs keep their checkpoint and resume where they stopped; cancelled is final (and not a failure).
`;

const STATUSES: JobStatus[] = ['queued', 'running', 'paused', 'done', 'failed', 'cancelled'];

function line(j: Job): string {
  const pct = j.total ? ` ${Math.floor((100 * j.done) / j.total)}%` : '';
  const err = j.errorCode ? `  ${j.errorCode}: ${j.errorMessage ?? ''}` : '';
  return `#${j.id}  ${j.kind.padEnd(8)} ${j.status.padEnd(9)} ${j.done}/${j.total}${pct}  attempts ${j.attempts}${err}\n`;
}

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'List, show, pause, resume or cancel persisted jobs of a library.',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseFlags(rest, {
      library: { type: 'string' },
      status: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!sub || !['list', 'show', 'pause', 'resume', 'cancel'].includes(sub))
      throw new AppError('INVALID_INPUT', `unknown jobs subcommand "${sub ?? ''}"\n${usage}`);
    const status = values.status?.split(',').map((s) => s.trim()) as JobStatus[] | undefined;
    if (status?.some((s) => !STATUSES.includes(s)))
      throw new AppError('INVALID_INPUT', `--status must be among ${STATUSES.join(', ')}`);
    let id = 0;
    if (sub !== 'list') {
      if (positionals.length !== 1) throw new AppError('INVALID_INPUT', `jobs ${sub} needs one job ID`);
      id = numberFlag('id', positionals[0], { integer: true, min: 1 })!;
    }
    // list/show only read; pause/resume/cancel write, so they first wait for the full check (on a worker thread).
    const lib = openLibraryFlag(values.library, io, { create: false, integrity: 'background' });
    try {
      if (sub === 'list') {
        const jobs = listJobs(lib, { status });
        if (values.json) printJson(io.stdout, { jobs });
        else io.stdout.write(jobs.length ? jobs.map(line).join('') : 'no jobs\n');
        return 0;
      }
      if (sub !== 'show') await lib.writable();
      const job =
        sub === 'show'
          ? getJob(lib, id)
          : sub === 'pause'
            ? pauseJob(lib, id)
            : sub === 'resume'
              ? resumeJob(lib, id)
              : cancelJob(lib, id);
      if (values.json) printJson(io.stdout, job);
      else io.stdout.write(line(job));
      return 0;
    } catch (err) {
      throw asLibraryError(err, lib.path);
    } finally {
      lib.close();
    }
  },
};
