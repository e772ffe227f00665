// Contract of the library operations (open/create a library file; later: import, index, search).
import { z } from 'zod';

export const LibraryInfoSchema = z.object({
  path: z.string(),
  schemaVersion: z.number(),
  created: z.boolean(),
  recordings: z.number(),
});
export type LibraryInfo = z.infer<typeof LibraryInfoSchema>;

export const libraryOps = {
  'library.open': {
    summary: 'Open (or create) a library file; checks integrity and migrates it.',
    request: z.object({ path: z.string().min(1), create: z.boolean().default(true) }).strict(),
    response: LibraryInfoSchema,
  },
} as const;
