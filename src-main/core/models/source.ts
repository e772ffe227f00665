// What a user asked to download: a catalogue id (`molmo2-4b`) or any Hub repo id whose config is a Molmo2 config,
// and the selection of a revision's files a Molmo2 checkpoint needs (hostile names refuse the whole list).
import { AppError } from '../../api/errors.js';
import { CATALOGUE, type CatalogueEntry } from '../../../models/catalogue.js';
import type { HubFile, RevisionInfo } from './hub-client.js';
import { checkRepoId, classifyHubFileName, isRepoId } from './names.js';

export interface DownloadSource {
  /** Registry id: the catalogue id, or the repo id in lower case. */
  id: string;
  repo: string;
  catalogue: CatalogueEntry | null;
}

const WANTED = /\.(json|jinja|safetensors|txt|model|tiktoken)$/i;
const MAX_FILES = 2_000;
/** No Molmo2 file comes near this; a larger size in a file list is a broken or hostile server. */
const MAX_FILE_BYTES = 200 * 1024 ** 3;

/** The catalogue entry with this id or repo id (any case), or null. */
export function catalogueEntry(key: string): CatalogueEntry | null {
  const k = key.toLowerCase();
  return CATALOGUE.find((e) => e.id === k || e.repo.toLowerCase() === k) ?? null;
}

/** Resolves `<catalogue-id|owner/name>`; a catalogue model this build cannot run is MODEL_UNSUPPORTED. */
export function resolveSource(source: string): DownloadSource {
  const entry = catalogueEntry(source);
  if (entry && !entry.runnable)
    throw new AppError('MODEL_UNSUPPORTED', `${entry.title}: ${entry.unsupported ?? 'not supported yet'}`);
  if (entry) return { id: entry.id, repo: entry.repo, catalogue: entry };
  if (!isRepoId(source)) {
    const ids = CATALOGUE.filter((e) => e.runnable)
      .map((e) => e.id)
      .join(', ');
    throw new AppError(
      'INVALID_INPUT',
      `"${source.slice(0, 200)}" is neither a catalogue id (${ids}) nor a Hugging Face repo id (owner/name)`,
    );
  }
  return { id: checkRepoId(source).toLowerCase(), repo: source, catalogue: null };
}

/** The files of a revision a Molmo2 checkpoint needs, with sizes; HUB_BAD_RESPONSE for unsafe or absurd entries. */
export function selectFiles(info: RevisionInfo): Array<HubFile & { size: number }> {
  if (info.files.length > MAX_FILES)
    throw new AppError('HUB_BAD_RESPONSE', `the file list has ${info.files.length} files (more than ${MAX_FILES})`);
  const out: Array<HubFile & { size: number }> = [];
  const seen = new Set<string>();
  for (const f of info.files) {
    const kind = classifyHubFileName(f.name);
    if (kind === 'hostile')
      throw new AppError(
        'HUB_BAD_RESPONSE',
        `the server listed an unsafe file name ${JSON.stringify(String(f.name).slice(0, 200))}; download refused`,
      );
    const name = f.name as string;
    if (kind === 'nested' || !WANTED.test(name)) continue;
    if (seen.has(name.toLowerCase())) throw new AppError('HUB_BAD_RESPONSE', `the server listed ${name} twice`);
    seen.add(name.toLowerCase());
    if (f.size === null || f.size > MAX_FILE_BYTES)
      throw new AppError(
        'HUB_BAD_RESPONSE',
        `the file list gives no usable size for ${name} (the server must support ?blobs=true)`,
      );
    out.push({ ...f, name, size: f.size });
  }
  const names = new Set(out.map((f) => f.name));
  if (!names.has('config.json'))
    throw new AppError('MODEL_UNSUPPORTED', 'the repo has no config.json: it is not a Hugging Face checkpoint');
  if (!names.has('model.safetensors') && !names.has('model.safetensors.index.json')) {
    throw new AppError(
      'MODEL_UNSUPPORTED',
      'the repo has no model.safetensors or model.safetensors.index.json: Molmoscope reads safetensors weights only',
    );
  }
  return out;
}
