// The sections that later work fills in: each says plainly what it will do and what it needs first.
import type { SectionId } from '../sections.js';

const COMING: Record<Exclude<SectionId, 'settings'>, { title: string; items: string[] }> = {
  library: {
    title: 'Add folders of video to start a library',
    items: ['Import files and folders; each is probed with ffprobe and rejected with a reason if unreadable', 'Index recordings with Molmo2 in resumable background jobs', 'Thumbnails and a timeline per recording'],
  },
  search: {
    title: 'Search your footage in plain language',
    items: ['Ask for a moment ("a forklift backing up") across every indexed recording', 'Results ranked with the time and a thumbnail of each hit', 'Open a hit to play it from that second'],
  },
  count: {
    title: 'Count what matters, frame by frame',
    items: ['Point at objects with Molmo2 and count them per frame', 'Counts over time as a chart, exported as CSV or JSON', 'Compare against your own annotations'],
  },
  track: {
    title: 'Track objects across a recording',
    items: ['Follow each object through a window of frames', 'Tracks stitched across windows into whole-recording tracks', 'Export tracks for your own analysis'],
  },
  finetune: {
    title: 'Adapt Molmo2 to your footage',
    items: ['Collect corrections from search, count and track', 'Train on your GPU and compare before and after', 'Keep every fine-tuned model beside the original'],
  },
};

/** A clear "coming next" page for a section that is not built yet. */
export function PlaceholderPage({ section }: { section: Exclude<SectionId, 'settings'> }) {
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
      <p className="muted small">Meanwhile, Settings shows whether this machine is ready (GPU, onnxruntime providers, ffmpeg).</p>
    </section>
  );
}
