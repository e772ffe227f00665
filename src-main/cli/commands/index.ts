// Registry of CLI subcommands: one import and one entry per command file.
import type { Command } from '../command.js';
import { askCommand } from './ask.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { modelCommand } from './model.js';
import { parseCommand } from './parse.js';
import { promptCommand } from './prompt.js';
import { probeCommand } from './probe.js';
import { framesCommand } from './frames.js';
import { windowsCommand } from './windows.js';
import { importCommand } from './import.js';
import { searchCommand } from './search.js';
import { indexCommand } from './index-cmd.js';
import { jobsCommand } from './jobs.js';
import { libraryCommand } from './library.js';
import { doctorCommand } from './doctor.js';
import { infoCommand } from './info.js';
import { serveCommand } from './serve.js';
import { countCommand } from './count.js';
import { trackCommand } from './track.js';
import { trainCommand } from './train.js';
import { finetuneCommand } from './finetune.js';

export const commands: Command[] = [
  modelCommand,
  askCommand,
  promptCommand,
  parseCommand,
  probeCommand,
  framesCommand,
  windowsCommand,
  evalCommand,
  exportCommand,
  importCommand,
  indexCommand,
  searchCommand,
  jobsCommand,
  libraryCommand,
  doctorCommand,
  infoCommand,
  serveCommand,
  countCommand,
  trackCommand,
  trainCommand,
  finetuneCommand,
];
