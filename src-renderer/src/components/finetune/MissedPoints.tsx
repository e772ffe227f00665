// "Add missed" on a finished count run's evidence frame (the player): a click adds a point where the model missed an
// instance, a click on an added point removes it; the keyboard moves a crosshair (arrows) and adds at it (Enter).
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent, type MouseEvent, type RefObject } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { VideoPlayerHandle } from '../VideoPlayer.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { AddedPointDto } from '../../../../src-main/api/ops/finetune.js';
import type { CountResultDto, RunResultDto } from '../../../../src-main/api/ops/analytics.js';
import { nearestSampleTime } from '../../../../src-main/api/sample-grid.js';
import { useFinishedRunState } from './use-run-material.js';
import './missed.css';

type Frame = { width: number; height: number };
type Mark = { key: string; mx: number; my: number; rejected: boolean };

/** The added points of a run with add/remove, the last answer's note (where a point landed, or the error). */
function useAddedPoints(api: MolmoscopeBridge, runId: number, finished: boolean) {
  const [points, setPoints] = useFinishedRunState(runId, finished, [] as AddedPointDto[], async (id) => {
    const r = await api.ops['finetune.missed']({ runId: id });
    return r.ok ? r.value.points : null;
  });
  const [note, setNote] = useState<{ text: string; error?: ApiError } | null>(null);
  useEffect(() => setNote(null), [runId]);
  const add = useCallback(
    async (t: number, mx: number, my: number): Promise<number | null> => {
      const r = await api.ops['finetune.missed.add']({ runId, t, mx, my });
      if (!r.ok) {
        setNote({ text: 'Not added', error: r.error });
        return null;
      }
      const p = r.value.point;
      setPoints(r.value.points);
      const moved = Math.abs(p.t - r.value.requestedT) > 1e-6;
      setNote({
        text: `Added #${p.id} at ${p.t.toFixed(2)} s${moved ? ` (the sampled frame nearest ${r.value.requestedT.toFixed(2)} s)` : ''}.`,
      });
      return p.t;
    },
    [api, runId],
  );
  const remove = useCallback(
    async (id: number) => {
      const r = await api.ops['finetune.missed.remove']({ runId, pointId: id });
      if (r.ok) setPoints(r.value.points);
      setNote(r.ok ? { text: `Removed #${id}.` } : { text: 'Not removed', error: r.error });
    },
    [api, runId],
  );
  return { points, note, add, remove };
}

/** The run's sample grid (every answered window's frame times, sorted, once each). */
function sampleGrid(windows: RunResultDto['windows']): number[] {
  return [...new Set(windows.filter((w) => w.status === 'ok').flatMap((w) => w.sampleTimes))].sort((a, b) => a - b);
}

/** The player's time, followed on its seeks and while it plays (timeupdate), for the sampled frame shown. */
function usePlayerTime(player: RefObject<VideoPlayerHandle | null>, start: number) {
  const [now, setNow] = useState(start);
  useEffect(() => {
    const v = player.current?.video;
    if (!v) return;
    const follow = () => setNow(v.currentTime);
    v.addEventListener('seeked', follow);
    v.addEventListener('timeupdate', follow);
    return () => {
      v.removeEventListener('seeked', follow);
      v.removeEventListener('timeupdate', follow);
    };
  }, [player]);
  return [now, setNow] as const;
}

/** State of the add-missed mode for the Count page's result: points, mode, player time, the frame shown. */
export function useMissedMode(
  api: MolmoscopeBridge,
  result: RunResultDto,
  player: RefObject<VideoPlayerHandle | null>,
) {
  const added = useAddedPoints(api, result.run.id, result.run.status === 'done' && !!result.count);
  const [on, setOn] = useState(false);
  const [now, setNow] = usePlayerTime(player, result.run.start);
  const grid = useMemo(() => sampleGrid(result.windows), [result.windows]);
  const frameT = nearestSampleTime(result.windows, now);
  const seek = (t: number) => {
    player.current?.seek(t);
    setNow(t);
  };
  const step = (dir: 1 | -1) => {
    const next = dir > 0 ? grid.find((t) => t > now + 1e-6) : grid.findLast((t) => t < now - 1e-6);
    if (next !== undefined) seek(next);
  };
  const addAt = async (mx: number, my: number) => {
    const t = await added.add(player.current?.video?.currentTime ?? now, mx, my);
    if (t !== null) seek(t);
  };
  return { ...added, on, setOn, now, frameT, step, seek, addAt };
}

export type MissedMode = ReturnType<typeof useMissedMode>;

/** The model's sightings on the frame shown (rejected ones marked), to see what it missed. */
function modelMarks(count: CountResultDto, frameT: number | null, rejected: (id: number) => boolean): Mark[] {
  if (frameT === null) return [];
  return count.instances.flatMap((i) =>
    i.evidence
      .filter((e) => Math.abs(e.t - frameT) < 1e-6)
      .map((e) => ({ key: `${i.id}-${e.window}`, mx: e.mx, my: e.my, rejected: rejected(i.id) })),
  );
}

/** 0–1000 coordinates of a click inside the layer (whole units: the precision of the model's own points). */
function clickCoords(ev: MouseEvent<SVGSVGElement>): [number, number] {
  const r = ev.currentTarget.getBoundingClientRect();
  const c = (v: number) => Math.round(Math.max(0, Math.min(1000, v)));
  return [c((1000 * (ev.clientX - r.left)) / r.width), c((1000 * (ev.clientY - r.top)) / r.height)];
}

/** Arrow keys move the crosshair (Shift: 5× further), Enter or Space adds a point at it. */
function useCrosshair(onAdd: (mx: number, my: number) => void) {
  const [cross, setCross] = useState({ mx: 500, my: 500 });
  const onKeyDown = (ev: KeyboardEvent<SVGSVGElement>) => {
    const d = ev.shiftKey ? 50 : 10;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-d, 0],
      ArrowRight: [d, 0],
      ArrowUp: [0, -d],
      ArrowDown: [0, d],
    };
    const m = moves[ev.key];
    if (m)
      setCross((c) => ({ mx: Math.max(0, Math.min(1000, c.mx + m[0])), my: Math.max(0, Math.min(1000, c.my + m[1])) }));
    else if (ev.key === 'Enter' || ev.key === ' ') onAdd(cross.mx, cross.my);
    else return;
    ev.preventDefault();
  };
  return { cross, onKeyDown };
}

/**
 * The layer over the player: in add mode the model's points on this sampled frame (circles), the added points
 * (green diamonds; a click removes one), a click elsewhere adds one. Coordinates are 0–1000 of the picture.
 */
export function MissedLayer({
  m,
  count,
  frame,
  rejected,
}: {
  m: MissedMode;
  count: CountResultDto;
  frame: Frame;
  rejected: (id: number) => boolean;
}) {
  const { cross, onKeyDown } = useCrosshair((mx, my) => void m.addAt(mx, my));
  const [focused, setFocused] = useState(false);
  if (!m.on) return null;
  // Radii in 0–1000 units of each axis, so the marks stay round on any frame shape.
  const rx = 16;
  const ry = (16 * frame.width) / frame.height;
  const here = m.points.filter((p) => m.frameT !== null && Math.abs(p.t - m.frameT) < 1e-6);
  return (
    <svg
      className="missed-layer"
      data-testid="missed-layer"
      viewBox="0 0 1000 1000"
      preserveAspectRatio="none"
      role="application"
      tabIndex={0}
      aria-label="Evidence frame: click where the model missed an instance, or use the arrow keys and Enter; click an added point to remove it"
      onClick={(ev) => void m.addAt(...clickCoords(ev))}
      onKeyDown={onKeyDown}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
    >
      {modelMarks(count, m.frameT, rejected).map((k) => (
        <ellipse
          key={k.key}
          className={`model-point${k.rejected ? ' rejected' : ''}`}
          cx={k.mx}
          cy={k.my}
          rx={rx}
          ry={ry}
        />
      ))}
      {here.map((p) => (
        <polygon
          key={p.id}
          data-testid="added-point"
          data-id={p.id}
          className="added-point"
          points={`${p.mx},${p.my - ry * 1.4} ${p.mx + rx * 1.4},${p.my} ${p.mx},${p.my + ry * 1.4} ${p.mx - rx * 1.4},${p.my}`}
          onClick={(ev) => {
            ev.stopPropagation();
            void m.remove(p.id);
          }}
        >
          <title>{`Added #${p.id}: click to remove`}</title>
        </polygon>
      ))}
      {focused && (
        <path
          className="crosshair"
          d={`M${cross.mx - 20} ${cross.my}h40M${cross.mx} ${cross.my - 20 * (ry / rx)}v${40 * (ry / rx)}`}
        />
      )}
    </svg>
  );
}

/** The tally ("7 counted, 1 rejected, 2 added"), the mode switch, frame steps, the note and the added points. */
export function MissedBar({ m, counted, rejected }: { m: MissedMode; counted: number; rejected: number }) {
  return (
    <div className="missed-bar">
      <p className="small" data-testid="count-tally">
        {counted} counted, {rejected} rejected, {m.points.length} added
      </p>
      <div className="row">
        <button type="button" aria-pressed={m.on} data-testid="add-missed" onClick={() => m.setOn(!m.on)}>
          {m.on ? 'Done adding' : 'Add missed'}
        </button>
        <button type="button" onClick={() => m.step(-1)} title="Previous sampled frame">
          ◀ frame
        </button>
        <button type="button" onClick={() => m.step(1)} title="Next sampled frame">
          frame ▶
        </button>
        <span className="small muted">
          {m.frameT === null ? 'no sampled frame here' : `sampled frame ${m.frameT.toFixed(2)} s`}
        </span>
      </div>
      {m.note && (
        <p className="small" role="status" data-testid="missed-note">
          {m.note.error ? <code>{m.note.error.code}</code> : null} {m.note.text}
          {m.note.error ? `: ${m.note.error.message}` : ''}
        </p>
      )}
      <ul className="missed-list">
        {m.points.map((p) => (
          <li key={p.id} className="row small">
            <button type="button" onClick={() => m.seek(p.t)} title="Show this frame">
              #{p.id} at {p.t.toFixed(2)} s ({Math.round(p.mx)}, {Math.round(p.my)})
            </button>
            <button type="button" aria-label={`Remove added point #${p.id}`} onClick={() => void m.remove(p.id)}>
              ✕
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
