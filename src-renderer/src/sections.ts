// The app's sections (navigation entries) and the hash route of each.
export const SECTIONS = [
  { id: 'library', label: 'Library', blurb: 'Your recordings, imported and indexed.' },
  { id: 'search', label: 'Search', blurb: 'Find moments by describing them.' },
  { id: 'count', label: 'Count', blurb: 'Count objects or events over time.' },
  { id: 'track', label: 'Track', blurb: 'Follow objects across frames and windows.' },
  { id: 'models', label: 'Models', blurb: 'Get Molmo2, choose the active model, and see what fits this machine.' },
  { id: 'finetune', label: 'Fine-tune', blurb: 'Adapt Molmo2 to your footage.' },
  { id: 'settings', label: 'Settings', blurb: 'This installation: versions, paths, GPU and ffmpeg.' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

/** The section a location hash names (#/search), or null (a bare URL, or one carrying only the access token). */
function namedSection(hash: string): SectionId | null {
  const id = hash.replace(/^#\/?/, '').split(/[/?&]/)[0];
  return SECTIONS.find((s) => s.id === id)?.id ?? null;
}

/** The section named by a location hash, or the default (Library). */
export function sectionFromHash(hash: string): SectionId {
  return namedSection(hash) ?? 'library';
}

/** True when the hash names a section itself. */
export function hashNamesSection(hash: string): boolean {
  return namedSection(hash) !== null;
}
