// The stitch decisions behind the selected object (window A/local → window B/local, why, at what cost, when), each
// with an Unstitch action: the later part gets a new id; it is a correction like the others, so Undo reverts it.
import type { TrackResultDto } from '../../../../src-main/api/ops/analytics.js';
import { fmtTime } from './use-analytics.js';

type Decision = TrackResultDto['decisions'][number];
export type StitchRef = { windowA: number; localA: number; windowB: number; localB: number };

const sameStitch = (d: Decision, p: Record<string, unknown>) =>
  p.windowA === d.windowA && p.localA === d.localA && p.windowB === d.windowB && p.localB === d.localB;

/** Stitches (overlap / re-id) that joined a segment of the selected track, oldest window first. */
// eslint-disable-next-line max-lines-per-function -- over 80 only since Prettier's line breaks (2026-12-07); to be split along its steps
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
  const firstT = (w: number, l: number) => track.points.find((p) => p.window === w && p.localId === l)?.t ?? null;
  const rows = tracks.decisions
    .filter(
      (d): d is Decision & { windowA: number; localA: number } =>
        d.reason !== 'new' && d.windowA !== null && d.localA !== null,
    )
    .map((d) => ({ d, t: firstT(d.windowB, d.localB) ?? firstT(d.windowA, d.localA) }))
    .filter((r) => r.t !== null)
    .sort((a, b) => a.d.windowB - b.d.windowB || a.d.localB - b.d.localB);
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
            {rows.map(({ d, t }) => {
              const undone = tracks.corrections.some((c) => c.kind === 'unstitch' && sameStitch(d, c.payload));
              const key = `${d.windowA}:${d.localA}-${d.windowB}:${d.localB}`;
              return (
                <tr key={key} data-testid="stitch" data-stitch={key} data-reason={d.reason}>
                  <td>
                    {d.windowA}/{d.localA}
                  </td>
                  <td>
                    {d.windowB}/{d.localB}
                  </td>
                  <td>{d.reason}</td>
                  <td>{d.cost.toFixed(1)}</td>
                  <td>
                    <button type="button" className="link" onClick={() => onSeek(t!)}>
                      {fmtTime(t!)}
                    </button>
                  </td>
                  <td>
                    {undone ? (
                      <span className="muted">unstitched</span>
                    ) : (
                      <button
                        type="button"
                        onClick={() =>
                          onUnstitch({ windowA: d.windowA, localA: d.localA, windowB: d.windowB, localB: d.localB })
                        }
                      >
                        Unstitch
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
