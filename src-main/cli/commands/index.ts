// Registry of CLI subcommands: one import and one entry per command file.
import type { Command } from '../command.js';
import { modelCommand } from './model.js';
import { probeCommand } from './probe.js';
import { framesCommand } from './frames.js';
import { windowsCommand } from './windows.js';

export const commands: Command[] = [
  modelCommand,
  probeCommand,
  framesCommand,
  windowsCommand,
];
