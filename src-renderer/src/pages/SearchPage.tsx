// Search: a query over the library's captions; results as moments with thumbnail, recording, start–end, highlighted
// snippet and score. Clicking one opens the player seeked to the moment's start.
import { CaptionFix } from '../components/finetune/CaptionFix.js';
import { useRef, useState, type FormEvent } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import type { ApiError } from '../../../src-main/api/errors.js';
import type { MomentDto } from '../../../src-main/api/ops/library.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { VideoPlayer, type VideoPlayerHandle } from '../components/VideoPlayer.js';
import { clock, fileName } from '../components/format.js';
import { ActiveModel } from '../components/ActiveModel.js';

/** The snippet with the search's «…» markers as <mark> (text only, never HTML). */
function Snippet({ text }: { text: string }) {
  const parts = text.split(/(«[^»]*»)/);
  return (
    <p className="snippet small">
      {parts.map((p, i) =>
        p.startsWith('«') && p.endsWith('»') ? <mark key={i}>{p.slice(1, -1)}</mark> : <span key={i}>{p}</span>,
      )}
    </p>
  );
}

/** The Search page. */
export function SearchPage({ api }: { api: MolmoscopeBridge }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<MomentDto[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<MomentDto | null>(null);
  const [now, setNow] = useState(0);
  const [verify, setVerify] = useState(false);
  const [cost, setCost] = useState<{ checked: number; ms: number; tokens: number } | null>(null);
  const player = useRef<VideoPlayerHandle>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!query.trim()) return;
    setBusy(true);
    setError(null);
    const r = await api.ops['library.search']({ query, limit: 20, ...(verify ? { verify: { topK: 5 } } : {}) });
    setBusy(false);
    if (r.ok) {
      setResults(r.value.results);
      setCost(r.value.verification ?? null);
    } else {
      setResults(null);
      setCost(null);
      setError(r.error);
    }
  };

  const pick = (m: MomentDto) => {
    // Same recording: seek at once; another one: the player seeks once its metadata is loaded.
    if (selected && selected.recordingId === m.recordingId) player.current?.seek(m.start);
    setSelected(m);
  };

  return (
    <div className="stack" data-testid="page-search">
      <ActiveModel api={api} />
      <form className="card" onSubmit={(e) => void submit(e)}>
        <h2>Search your footage</h2>
        <div className="row">
          <input
            type="search"
            aria-label="Search query"
            placeholder='a forklift backing up, "red umbrella", cycl*'
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <button type="submit" disabled={busy || !query.trim()}>
            {busy ? 'Searching…' : 'Search'}
          </button>
        </div>
        <p className="muted small">
          All words must appear (stemmed); use "quotes" for a phrase, word* for a prefix, OR for either.
        </p>
        <label className="small row">
          <input type="checkbox" checked={verify} onChange={(e) => setVerify(e.target.checked)} />
          Re-check the top 5 moments with Molmo2 (a yes/no question on each window; slower, shows the answer and its
          cost)
        </label>
      </form>

      <ErrorNote error={error} />

      {selected ? (
        <section className="card" data-testid="player-card">
          <h2>
            {fileName(selected.path)} · {clock(selected.start)}–{clock(selected.end)}
          </h2>
          <VideoPlayer ref={player} recordingId={selected.recordingId} startAt={selected.start} onTime={setNow} />
          <p className="muted small" data-testid="player-time">
            at {clock(now)}
          </p>
        </section>
      ) : null}

      {results ? <ResultList api={api} results={results} cost={cost} selected={selected} onPick={pick} /> : null}
    </div>
  );
}

/** The moments found (thumbnail, recording, start–end, snippet, Molmo2's verdict when re-checked, score). */
function ResultList(p: {
  api: MolmoscopeBridge;
  results: MomentDto[];
  cost: { checked: number; ms: number; tokens: number } | null;
  selected: MomentDto | null;
  onPick(m: MomentDto): void;
}) {
  const { api, results, cost, selected } = p;
  return (
    <section className="card">
      <h2>{results.length ? `${results.length} moment${results.length === 1 ? '' : 's'}` : 'No moments match'}</h2>
      {cost ? (
        <p className="muted small" data-testid="verify-cost">
          Molmo2 re-checked {cost.checked}: {(cost.ms / 1000).toFixed(1)} s, {cost.tokens} tokens
        </p>
      ) : null}
      <ul className="results" data-testid="results">
        {results.map((m) => (
          <li key={`${m.recordingId}-${m.start}`}>
            <button
              type="button"
              className={`result${selected === m ? ' active' : ''}`}
              onClick={() => p.onPick(m)}
              data-start={m.start}
              data-testid="result"
            >
              <img className="thumb" alt="" loading="lazy" src={api.thumbnailUrl(m.recordingId, m.start, 256)} />
              <span>
                <strong>{fileName(m.path)}</strong>{' '}
                <span className="muted">
                  {clock(m.start)}–{clock(m.end)}
                </span>
                <Snippet text={m.snippet} />
                {m.evidence ? (
                  <span className="small evidence" data-testid="evidence">
                    <span
                      className={`pill ${m.evidence.verdict === 'yes' ? 'good' : m.evidence.verdict === 'no' ? 'bad' : 'warn'}`}
                    >
                      {m.evidence.verdict}
                    </span>{' '}
                    Molmo2: “{m.evidence.answer}”{' '}
                    <span className="muted">
                      ({m.evidence.ms.toFixed(0)} ms, {m.evidence.tokens} tokens)
                    </span>
                  </span>
                ) : null}
              </span>
              <span className="muted small" title="BM25 score (higher is better)">
                {m.score.toFixed(2)}
              </span>
            </button>
            {m.captionIds[0] !== undefined ? <CaptionFix api={api} captionId={m.captionIds[0]} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
