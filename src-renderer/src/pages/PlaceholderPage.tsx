// The sections that later work fills in: each says plainly what it will do and what it needs first.
import type { SectionId } from '../sections.js';

/** Sections whose page is not built yet. */
export type PlaceholderSection = Exclude<SectionId, 'library' | 'search' | 'count' | 'track' | 'models' | 'settings'>;

const COMING: Record<PlaceholderSection, { title: string; items: string[] }> = {
  finetune: {
    title: 'Adapt Molmo2 to your footage',
    items: [
      'Collect corrections from search, count and track',
      'Train on your GPU and compare before and after',
      'Keep every fine-tuned model beside the original',
    ],
  },
};

/** A clear "coming next" page for a section that is not built yet. */
export function PlaceholderPage({ section }: { section: PlaceholderSection }) {
  const c = COMING[section];
  return (
    <section className="card empty" data-testid={`page-${section}`}>
      <h2>{c.title}</h2>
      <p className="muted">This section is being built. Here is what it will do:</p>
      <ul className="checklist">
        {c.items.map((i) => (
          <li key={i}>{i}</li>
        ))}
      </ul>
      <p className="muted small">
        Meanwhile, Settings shows whether this machine is ready (GPU, onnxruntime providers, ffmpeg).
      </p>
    </section>
  );
}
