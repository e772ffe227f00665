// Shared by the library CLI commands: resolve --library (or MOLMOSCOPE_LIBRARY) and open the file.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { openLibrary, type Library, type OpenLibraryOptions } from '../../core/library/store.js';
import type { CliIO } from '../command.js';

/** Opens the library named by --library DB (or $MOLMOSCOPE_LIBRARY); INVALID_INPUT when neither is given. */
export function openLibraryFlag(value: string | undefined, io: CliIO, opts: OpenLibraryOptions): Library {
  const p = value ?? io.env.MOLMOSCOPE_LIBRARY;
  if (!p) throw new AppError('INVALID_INPUT', '--library DB is required (or set MOLMOSCOPE_LIBRARY).');
  return openLibrary(resolve(io.cwd, p), opts);
}
