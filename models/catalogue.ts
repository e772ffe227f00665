// The Molmo2 checkpoints Molmoscope offers by name: Hugging Face repo ids, license, sizes and what each needs.
// Data only; figures are marked with where they come from (a released file, or derived from the architecture).
/** Where a figure comes from: a released file of the repo, or computed from the architecture (verify on download). */
export type FigureSource = 'release' | 'derived';

export interface CatalogueFile {
  name: string;
  /** Bytes, when known from a released file; null when only the total is known. */
  bytes: number | null;
}

export interface CatalogueEntry {
  /** Short id used by `molmoscope model …` (`molmo2-4b`). */
  id: string;
  title: string;
  /** Hugging Face repo id. */
  repo: string;
  license: string;
  parameters: number;
  parametersSource: FigureSource;
  /** LLM the model is built on. */
  llm: string;
  /** Bytes of the safetensors weights as released (fp32), and where the figure comes from. */
  weightsBytes: number;
  weightsSource: FigureSource;
  /** Disk the download needs: weights plus tokenizer/config files (≈ 20 MB), rounded up. */
  diskBytes: number;
  /** The files of the release that are known (names; sizes where known). */
  files: CatalogueFile[];
  /** Memory the model needs per precision; null where not known (models.catalogue fills it in from RELEASED_SHAPES' estimate). */
  memoryBytes: { fp32: number | null; fp16: number | null; int8: number | null; int4: number | null };
  /** False when this build cannot run the model yet; `unsupported` says why (its error code's message). */
  runnable: boolean;
  unsupported?: string;
}

const MB = 1_000_000;
/** Tokenizer, templates and configs of a Qwen3-based Molmo2 release: well under this. */
const SMALL_FILES_BYTES = 32 * MB;

const qwenSmallFiles = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'video_preprocessor_config.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'chat_template.jinja',
  'tokenizer.json',
  'vocab.json',
  'merges.txt',
  'model.safetensors.index.json',
].map((name) => ({ name, bytes: null }));

function shards(n: number): CatalogueFile[] {
  const pad = (i: number) => String(i).padStart(5, '0');
  return Array.from({ length: n }, (_, i) => ({ name: `model-${pad(i + 1)}-of-${pad(n)}.safetensors`, bytes: null }));
}

/** The catalogue, in the order it is offered (smallest first). */
export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'molmo2-4b',
    title: 'Molmo2-4B',
    repo: 'allenai/Molmo2-4B',
    license: 'Apache-2.0',
    // models/molmo2-4b/model.safetensors.index.json metadata (total_parameters, total_size).
    parameters: 4_850_869_200,
    parametersSource: 'release',
    llm: 'Qwen3-4B',
    weightsBytes: 19_403_476_800,
    weightsSource: 'release',
    diskBytes: 19_403_476_800 + SMALL_FILES_BYTES,
    files: [...qwenSmallFiles, ...shards(4)],
    memoryBytes: { fp32: null, fp16: null, int8: null, int4: null },
    runnable: true,
  },
  {
    id: 'molmo2-8b',
    title: 'Molmo2-8B',
    repo: 'allenai/Molmo2-8B',
    license: 'Apache-2.0',
    // The 4B shape formula applied to Qwen3-8B (../shared/reference/molmo2-inference.md §1.2); fp32 = 4 bytes each.
    parameters: 8_661_703_120,
    parametersSource: 'derived',
    llm: 'Qwen3-8B',
    weightsBytes: 8_661_703_120 * 4,
    weightsSource: 'derived',
    diskBytes: 8_661_703_120 * 4 + SMALL_FILES_BYTES,
    files: qwenSmallFiles,
    memoryBytes: { fp32: null, fp16: null, int8: null, int4: null },
    runnable: true,
  },
  {
    id: 'molmo2-o-7b',
    title: 'Molmo2-O-7B',
    repo: 'allenai/Molmo2-O-7B',
    license: 'Apache-2.0',
    parameters: 7_760_786_896,
    parametersSource: 'derived',
    llm: 'Olmo-3-7B-Instruct',
    weightsBytes: 7_760_786_896 * 4,
    weightsSource: 'derived',
    diskBytes: 7_760_786_896 * 4 + SMALL_FILES_BYTES,
    // The converter writes the same small files for every size (convert_molmo2_to_hf.py save()); shards unknown.
    files: qwenSmallFiles,
    memoryBytes: { fp32: null, fp16: null, int8: null, int4: null },
    runnable: true,
  },
];
