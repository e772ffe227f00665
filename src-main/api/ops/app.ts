// Contract of the app-level operations: versions, paths, providers, ffmpeg.
// Shared by the CLI (`doctor`, `info`), the serve bridge, Electron IPC and the Settings page.
import { z } from 'zod';

export const ProviderStatusSchema = z.object({
  name: z.enum(['cpu', 'webgpu', 'cuda']),
  available: z.boolean(),
  reason: z.string().optional(),
});

export const AppInfoSchema = z.object({
  app: z.object({ name: z.string(), version: z.string() }),
  versions: z.object({
    node: z.string(),
    electron: z.string().nullable(),
    onnxruntime: z.string().nullable(),
    sqlite: z.string().nullable(),
  }),
  platform: z.object({ os: z.string(), arch: z.string(), cpus: z.number(), totalMemoryBytes: z.number() }),
  paths: z.object({ data: z.string(), models: z.string(), cache: z.string(), library: z.string().nullable() }),
  providers: z.array(ProviderStatusSchema),
  ffmpeg: z.object({
    path: z.string().nullable(),
    ffprobePath: z.string().nullable(),
    version: z.string().nullable(),
    source: z.string().nullable(),
  }),
  host: z.enum(['cli', 'serve', 'electron']),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const appOps = {
  'app.info': {
    summary: 'Versions, paths, execution providers and ffmpeg of this installation.',
    request: z.object({}).strict(),
    response: AppInfoSchema,
  },
} as const;
