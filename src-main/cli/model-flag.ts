// The checkpoint a one-shot CLI command (ask, prompt) uses: --model DIR, else $MOLMOSCOPE_MODEL, else the default
// model of the models directory (`molmoscope model use`); with none, MODEL_INVALID saying how to get one.
import { resolve } from 'node:path';
import { AppError } from '../api/errors.js';
import { defaultModelDir } from '../core/models/registry.js';
import { NO_MODEL_MESSAGE } from '../core/molmo2/model-host.js';
import { resolveAppPaths } from '../core/platform/paths.js';
import type { CliIO } from './command.js';

/** The checkpoint folder for `--model` (absolute). */
export function modelDirFlag(value: string | undefined, io: CliIO): string {
  const dir = value
    ? resolve(io.cwd, value)
    : io.env.MOLMOSCOPE_MODEL
      ? resolve(io.cwd, io.env.MOLMOSCOPE_MODEL)
      : defaultModelDir(resolveAppPaths(io.env).models);
  if (!dir) throw new AppError('MODEL_INVALID', NO_MODEL_MESSAGE);
  return dir;
}
