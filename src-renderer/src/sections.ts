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

/** The section named by a location hash (#/search), or the default. */
export function sectionFromHash(hash: string): SectionId {
  const id = hash.replace(/^#\/?/, '').split(/[/?&]/)[0];
  return SECTIONS.some((s) => s.id === id) ? (id as SectionId) : 'library';
}
