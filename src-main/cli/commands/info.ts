// `molmoscope info`: the `app.info` operation (versions, paths, providers, ffmpeg) as JSON.
import { createDispatcher } from '../../core/handlers/index.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { AppError } from '../../api/errors.js';
import { parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope info [--json]
      Print app.info: versions (app, Node, onnxruntime, SQLite), data/models/cache paths,
      onnxruntime execution providers and the ffmpeg in use. Output is JSON either way.
`;

export const infoCommand: Command = {
  name: 'info',
  summary: 'Print app.info (versions, paths, providers, ffmpeg) as JSON.',
  usage,
  async run(argv, io, signal) {
    parseFlags(argv, { json: { type: 'boolean' } }, false);
    const { dispatch } = createDispatcher(createCoreContext({ host: 'cli', env: io.env }));
    const r = await dispatch('app.info', {}, signal);
    if (!r.ok) throw new AppError(r.error.code, r.error.message, r.error.details);
    printJson(io.stdout, r.value);
    return 0;
  },
};
