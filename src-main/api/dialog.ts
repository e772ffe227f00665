// The desktop host's native open dialog, as the preload exposes it (one function, `pickPaths`), and its IPC channel.
// Not a dispatcher operation: only Electron can show it; the serve bridge has no such function.
import { z } from 'zod';

/** What the dialog picks: video files, or folders (Linux and Windows cannot offer both in one dialog). */
export const PickPathsRequest = z.object({ kind: z.enum(['files', 'folders']) }).strict();
export type PickPathsRequest = z.infer<typeof PickPathsRequest>;

/** The chosen absolute paths; empty when the user cancelled. */
export const PickPathsResponse = z.object({ paths: z.array(z.string().min(1).max(4096)).max(10_000) });
export type PickPathsResponse = z.infer<typeof PickPathsResponse>;

/** IPC channel of the open dialog between the preload and main. */
export const IPC_PICK_PATHS = 'molmoscope:pick-paths';
