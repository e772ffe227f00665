// Registry of CLI subcommands: one import and one entry per command file.
import type { Command } from '../command.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { modelCommand } from './model.js';

export const commands: Command[] = [
  modelCommand,
  evalCommand,
  exportCommand,
];
