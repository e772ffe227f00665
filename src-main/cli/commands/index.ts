// Registry of CLI subcommands: one import and one entry per command file.
import type { Command } from '../command.js';
import { modelCommand } from './model.js';
import { doctorCommand } from './doctor.js';
import { infoCommand } from './info.js';
import { serveCommand } from './serve.js';

export const commands: Command[] = [
  modelCommand,
  doctorCommand,
  infoCommand,
  serveCommand,
];
