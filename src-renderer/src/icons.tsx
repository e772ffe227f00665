// Line icons for the navigation (inline SVG, no icon font, nothing loaded from elsewhere).
import type { SectionId } from './sections.js';

const PATHS: Record<SectionId, string> = {
  library: 'M4 5h16v14H4z M4 9h16 M9 5v4 M15 5v4',
  search: 'M11 4a7 7 0 1 1 0 14a7 7 0 0 1 0-14z M16 16l4 4',
  count: 'M5 19V11 M10 19V5 M15 19v-6 M20 19V8',
  track: 'M4 18c3-8 6-8 8-4s5 4 8-4 M18 6h2v2',
  models: 'M12 3l8 4.5v9L12 21l-8-4.5v-9z M12 12l8-4.5 M12 12v9 M12 12L4 7.5',
  finetune: 'M6 4v6 M6 14v6 M12 4v10 M12 18v2 M18 4v2 M18 10v10 M4 12h4 M10 16h4 M16 8h4',
  settings:
    'M12 9a3 3 0 1 1 0 6a3 3 0 0 1 0-6z M12 3v3 M12 18v3 M3 12h3 M18 12h3 M5.6 5.6l2.1 2.1 M16.3 16.3l2.1 2.1 M5.6 18.4l2.1-2.1 M16.3 7.7l2.1-2.1',
};

/** The navigation icon of a section. */
export function SectionIcon({ id }: { id: SectionId }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={PATHS[id]} />
    </svg>
  );
}
