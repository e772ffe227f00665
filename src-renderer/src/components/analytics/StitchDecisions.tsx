// The stitch decisions behind the selected object (window A/local → window B/local, why, at what cost, when), each
// with an Unstitch action: the later part gets a new id; it is a correction like the others, so Undo reverts it.
import type { TrackResultDto } from '../../../../src-main/api/ops/analytics.js';
import { fmtTime } from './use-analytics.js';

type Decision = TrackResultDto['decisions'][number];
export type StitchRef = { windowA: number; localA: number; windowB: number; localB: number };

const sameStitch = (d: Decision, p: Record<string, unknown>) =>
  p.windowA === d.windowA && p.localA === d.localA && p.windowB === d.windowB && p.localB === d.localB;

type Joined = Decision & { windowA: number; localA: number };
type Row = { d: Joined; t: number };
const stitchKey = (d: Joined) => `${d.windowA}:${d.localA}-${d.windowB}:${d.localB}`;

/** The stitches that joined a segment of `track`, each with the time of its later segment's first point. */
function stitchRows(tracks: TrackResultDto, track: TrackResultDto['tracks'][number]): Row[] {
  const firstT = (w: number, l: number) => track.points.find((p) => p.window === w && p.localId === l)?.t ?? null;
  return tracks.decisions
    .filter((d): d is Joined => d.reason !== 'new' && d.windowA !== null && d.localA !== null)
    .map((d) => ({ d, t: firstT(d.windowB, d.localB) ?? firstT(d.windowA, d.localA) }))
    .filter((r): r is Row => r.t !== null)
    .sort((a, b) => a.d.windowB - b.d.windowB || a.d.localB - b.d.localB);
}

/** One stitch: both ends, reason, cost, a seek link, and Unstitch (or "unstitched" once a correction undid it). */
function StitchRow({
  row: { d, t },
  undone,
  onUnstitch,
  onSeek,
}: {
  row: Row;
  undone: boolean;
  onUnstitch(s: StitchRef): void;
  onSeek(t: number): void;
}) {
  const key = stitchKey(d);
  return (
    <tr data-testid="stitch" data-stitch={key} data-reason={d.reason}>
      <td>
        {d.windowA}/{d.localA}
      </td>
      <td>
        {d.windowB}/{d.localB}
      </td>
      <td>{d.reason}</td>
      <td>{d.cost.toFixed(1)}</td>
      <td>
        <button type="button" className="link" onClick={() => onSeek(t)}>
          {fmtTime(t)}
        </button>
      </td>
      <td>
        {undone ? (
          <span className="muted">unstitched</span>
        ) : (
          <button
            type="button"
            onClick={() => onUnstitch({ windowA: d.windowA, localA: d.localA, windowB: d.windowB, localB: d.localB })}
          >
            Unstitch
          </button>
        )}
      </td>
    </tr>
  );
}

/** Stitches (overlap / re-id) that joined a segment of the selected track, oldest window first. */
export function StitchDecisions({
  tracks,
  trackId,
  onUnstitch,
  onSeek,
}: {
  tracks: TrackResultDto;
  trackId: number;
  onUnstitch(s: StitchRef): void;
  onSeek(t: number): void;
}) {
  const track = tracks.tracks.find((t) => t.id === trackId);
  if (!track) return null;
  const rows = stitchRows(tracks, track);
  return (
    <div className="stitch-decisions" data-testid="stitch-decisions">
      <h3 className="small">
        Stitch decisions of {track.id} {track.label}
      </h3>
      {rows.length === 0 ? (
        <p className="small muted">No stitches: this object was seen in one window segment.</p>
      ) : (
        <table className="small">
          <thead>
            <tr>
              <th>from (window/local)</th>
              <th>to (window/local)</th>
              <th>reason</th>
              <th>cost</th>
              <th>time</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <StitchRow
                key={stitchKey(row.d)}
                row={row}
                undone={tracks.corrections.some((c) => c.kind === 'unstitch' && sameStitch(row.d, c.payload))}
                onUnstitch={onUnstitch}
                onSeek={onSeek}
              />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
