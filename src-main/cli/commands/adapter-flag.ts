// The `--adapter DIR` flag shared by ask/index/count/track/serve: the adapter, validated against the base checkpoint
// before any engine starts, that the host configures next to the model (run as a LoRA branch in the decoder graphs;
// model ids name base + adapter, and results record its sha256 and name).
import { resolve } from 'node:path';
import { adapterRecord, type AdapterRecord } from '../../core/finetune/use-adapter.js';
import type { CliIO } from '../command.js';

/** undefined without the flag, else the adapter's record (throws on an adapter that does not fit `modelDir`). */
export function adapterFlag(io: CliIO, modelDir: string, adapter: string | undefined): AdapterRecord | undefined {
  return adapter === undefined ? undefined : adapterRecord(modelDir, resolve(io.cwd, adapter));
}
