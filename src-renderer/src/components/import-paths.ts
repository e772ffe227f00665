// The paths an import takes from the import box (one per line) and from a drop on the Library page: dropped files
// and folders (their paths from the desktop host), file:// URI lists, or absolute paths dragged as text.

/** Most paths one import takes from the box or a drop (the contract bounds a request too; this keeps the UI sane). */
export const MAX_IMPORT_PATHS = 10_000;

/** The paths typed or pasted in the import box: one per line, blank lines and surrounding spaces ignored. */
export function pathsFromText(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const p = line.trim();
    if (p && !out.includes(p)) out.push(p);
    if (out.length >= MAX_IMPORT_PATHS) break;
  }
  return out;
}

/** The local path of a file:// URI ('' for any other URI or a malformed one). */
export function fileUriPath(uri: string): string {
  try {
    const u = new URL(uri.trim());
    if (u.protocol !== 'file:' || (u.host !== '' && u.host !== 'localhost')) return '';
    const path = decodeURIComponent(u.pathname);
    return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
  } catch {
    return '';
  }
}

/** The parts of a DragEvent's DataTransfer this reads (kept structural so it can be built outside a browser). */
export interface DroppedData {
  readonly files: ArrayLike<File>;
  getData(format: string): string;
}

/** The paths of a drop: files and folders through `pathForFile` (desktop), else file:// URIs, else absolute paths. */
export function pathsFromDrop(data: DroppedData, pathForFile?: (file: File) => string): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    if (p && !out.includes(p) && out.length < MAX_IMPORT_PATHS) out.push(p);
  };
  if (pathForFile) for (const file of Array.from(data.files)) add(pathForFile(file));
  if (out.length) return out;
  for (const line of data.getData('text/uri-list').split(/\r?\n/)) if (!line.startsWith('#')) add(fileUriPath(line));
  if (out.length) return out;
  for (const p of pathsFromText(data.getData('text/plain'))) if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p)) add(p);
  return out;
}
