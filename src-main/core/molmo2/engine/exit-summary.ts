// Picks the line that says why a process failed out of its stderr: Node's "Error [CODE]: message", a thrown
// error's first line, or the last non-empty line — what a user needs to see instead of a bare exit code.

const ERROR_LINE = /^(?:Uncaught )?(?:[A-Z][A-Za-z]*)?Error(?: \[[A-Z0-9_]+\])?: .+/;

/** A one-line summary of a failed process's stderr (at most 500 characters), or '' when it wrote nothing. */
export function exitSummary(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const last = lines.at(-1);
  if (last === undefined) return '';
  const err = lines.find((l) => ERROR_LINE.test(l));
  const code = /\bcode: '([A-Z0-9_]+)'/.exec(stderr)?.[1];
  let line = err ?? last;
  if (code && !line.includes(code)) line = `${code}: ${line}`;
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
