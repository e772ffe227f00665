// node-llama-cpp on the CPU with the prebuilt binaries only (no build, no download), quiet but for errors: the
// one way the bench and its tests load llama.cpp.
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';

export function cpuLlama(threads: number): Promise<Llama> {
  return getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    maxThreads: threads,
  });
}
