// Registry of CLI subcommands: one import and one entry per command file.
import type { Command } from '../command.js';
import { modelCommand } from './model.js';
import { importCommand } from './import.js';
import { searchCommand } from './search.js';
import { jobsCommand } from './jobs.js';

export const commands: Command[] = [
  modelCommand,
  importCommand,
  searchCommand,
  jobsCommand,
];
