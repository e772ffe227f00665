// The closed set of error codes every host (CLI, serve bridge, Electron IPC) answers with.
// Add a code here, with a one-line meaning, before using it anywhere else.
import { z } from 'zod';

/** Every error code the app can answer with, and what it means to a user. */
export const ERROR_CODES = {
  INVALID_INPUT: 'A request or argument failed validation.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the app accepts.',
  UNAUTHORIZED: 'The request did not carry the session token.',
  FORBIDDEN_ORIGIN: 'The request came from an origin that is not the app.',
  UNKNOWN_OPERATION: 'No such operation in the API contract.',
  NOT_FOUND: 'A file, record or object does not exist.',
  NOT_A_VIDEO: 'The file is not a media container ffmpeg can read.',
  NO_VIDEO_STREAM: 'The file has no video stream (audio only, or empty).',
  UNSUPPORTED_CODEC: 'The video codec cannot be decoded by this ffmpeg build.',
  TRUNCATED: 'The file is shorter than its header claims; only part of it decodes.',
  UNREADABLE: 'The file cannot be read (permissions, I/O error, vanished).',
  PROBE_TIMEOUT: 'ffprobe/ffmpeg did not answer in time and was killed.',
  DECODE_STALLED: 'ffmpeg stopped sending frames while decoding and was killed.',
  FFMPEG_MISSING: 'No ffmpeg/ffprobe binary was found.',
  FFMPEG_FAILED: 'ffmpeg exited with an error while decoding.',
  LIBRARY_CORRUPT: 'The library file failed its integrity check or is not a library.',
  LIBRARY_TOO_NEW: 'The library file was written by a newer Molmoscope.',
  LIBRARY_LOCKED: 'The library file is locked by another process.',
  LIBRARY_NOT_OPEN: 'No library is open.',
  MODEL_INVALID: 'A model checkpoint file is missing, malformed or inconsistent.',
  MODEL_UNSUPPORTED: 'The checkpoint is a Molmo2 variant or feature not supported yet.',
  MODEL_CORRUPT: 'A downloaded model file failed its size or hash check; the bad bytes were removed.',
  HUB_UNAUTHORIZED:
    'The model hub refused access (401/403): a token (HF_TOKEN) is missing, wrong, or not granted this repo.',
  HUB_NOT_FOUND: 'The model hub has no such repo, revision or file (404).',
  HUB_UNREACHABLE: 'The model hub (HF_ENDPOINT) could not be reached or failed (network error or HTTP 5xx).',
  HUB_BAD_RESPONSE:
    'The model hub answered something the Hub protocol does not allow (bad file list, unsafe file name, wrong size).',
  TOKENIZER_ERROR: 'The tokenizer files could not be loaded or used.',
  PROMPT_TOO_LONG: 'The prompt does not fit the model context.',
  PROVIDER_UNAVAILABLE: 'The requested onnxruntime execution provider is not available.',
  ENGINE_CRASHED: 'The engine process died; it has been restarted.',
  ENGINE_START_FAILED: 'The engine process could not start; the message carries its own error (code and text).',
  ENGINE_FAILED: 'onnxruntime reported an error while running a graph.',
  GPU_OOM: 'The GPU ran out of memory.',
  NOT_ENOUGH_MEMORY: 'The memory estimate of the work is more than the machine can give it; nothing was started.',
  LIMIT_REACHED: 'A per-item limit was reached (such as the points one count run may take); nothing was added.',
  CANCELLED: 'The operation was cancelled.',
  TIMEOUT: 'The operation did not finish in time.',
  DISK_FULL: 'There is not enough disk space.',
  IO_ERROR: 'The disk reported an input/output error while reading or writing.',
  JOB_NOT_FOUND: 'No job with that id.',
  JOB_CONFLICT: 'The job is not in a state that allows this action.',
  JOB_ALREADY_RUNNING: 'Another job is already running on this library.',
  PARSE_ERROR: 'A model answer or file could not be parsed.',
  INTERNAL: 'An unexpected internal error.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const ApiErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** An error that carries a contract error code; everything thrown across a host boundary becomes one. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
  toJSON(): ApiError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** The one cancellation error (a job that gets it ends cancelled, not failed). */
export function cancelledError(what = 'The operation'): AppError {
  return new AppError('CANCELLED', `${what} was cancelled.`);
}

/** Throws CANCELLED when the signal is aborted (`signal.throwIfAborted()` would throw a bare DOMException). */
export function throwIfCancelled(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw cancelledError(what);
}

/** Maps anything thrown to an ApiError; unknown errors become INTERNAL (and keep their message). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof AppError) return err.toJSON();
  if (err && typeof err === 'object' && 'name' in err && (err as { name: string }).name === 'AbortError') {
    return { code: 'CANCELLED', message: 'The operation was cancelled.' };
  }
  if (err && typeof err === 'object' && 'code' in err) {
    const c = (err as { code: unknown }).code;
    if (c === 'ENOSPC') return { code: 'DISK_FULL', message: String((err as { message?: unknown }).message) };
    if (c === 'ENOENT') return { code: 'NOT_FOUND', message: String((err as { message?: unknown }).message) };
    if (c === 'EACCES' || c === 'EPERM' || c === 'EIO')
      return { code: 'UNREADABLE', message: String((err as { message?: unknown }).message) };
    // A folder where a file was expected (or a file in the way), a missing folder, a link loop, an absurd name.
    if (c === 'EISDIR' || c === 'EEXIST' || c === 'ENAMETOOLONG')
      return { code: 'INVALID_INPUT', message: String((err as { message?: unknown }).message) };
    if (c === 'ENOTDIR' || c === 'ELOOP')
      return { code: 'NOT_FOUND', message: String((err as { message?: unknown }).message) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}
