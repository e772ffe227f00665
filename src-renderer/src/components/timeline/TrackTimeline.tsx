// The Track page's timeline: a canvas with one lane per object id, redrawn on animation frames only when something
// changed. Click or drag scrubs the playhead (and selects the lane under the pointer); zoom keeps the playhead in view.
import { useEffect, useRef, useState, type PointerEvent, type RefObject, type WheelEvent } from 'react';
import { drawTimeline, laneAtY, timeAtX, type TimelineView } from './timeline-draw.js';
import type { TimelineModel } from './timeline-model.js';

const LANE_H = 18;
const LABEL_W = 120;
const AXIS_H = 22;
const MAX_H = 360;

export interface TrackTimelineProps {
  model: TimelineModel;
  /** Playhead, seconds (from the player). */
  time: number;
  selectedId: number | null;
  /** Full range the timeline can show (the run's range). */
  range: { start: number; end: number };
  onSeek(t: number): void;
  onSelect(id: number): void;
}

/** The visible span and vertical scroll, the view drawn from them (redrawn when any input changes), and zoom. */
function useTimelineView(
  { model, time, selectedId, range }: Pick<TrackTimelineProps, 'model' | 'time' | 'selectedId' | 'range'>,
  wrap: RefObject<HTMLDivElement | null>,
  canvas: RefObject<HTMLCanvasElement | null>,
) {
  const width = useElementWidth(wrap);
  const [span, setSpan] = useState<[number, number]>([range.start, range.end]);
  const [scrollY, setScrollY] = useState(0);
  const height = Math.min(MAX_H, AXIS_H + Math.max(1, model.lanes.length) * LANE_H);
  const maxScroll = Math.max(0, AXIS_H + model.lanes.length * LANE_H - height);

  useEffect(() => setSpan([range.start, range.end]), [range.start, range.end]);
  useFollowPlayhead(time, span, setSpan, range);

  const view: TimelineView = {
    t0: span[0],
    t1: Math.max(span[0] + 1e-3, span[1]),
    width,
    height,
    dpr: window.devicePixelRatio || 1,
    laneHeight: LANE_H,
    labelWidth: LABEL_W,
    axisHeight: AXIS_H,
    scrollY,
    playhead: time,
    selectedId,
  };
  const viewRef = useRef(view);
  viewRef.current = view;
  useEffect(
    () => drawOnNextFrame(canvas.current, model, viewRef),
    [model, width, height, span, scrollY, time, selectedId],
  );
  const zoom = (f: number, around = time) => {
    const [a, b] = span;
    const w = Math.min(range.end - range.start, Math.max(1, (b - a) * f));
    const a2 = Math.max(range.start, Math.min(range.end - w, around - ((around - a) / (b - a || 1)) * w));
    setSpan([a2, a2 + w]);
  };
  const fit = () => setSpan([range.start, range.end]);
  const scrollBy = (dy: number) => setScrollY((s) => Math.max(0, Math.min(maxScroll, s + dy)));
  return { view, viewRef, zoom, fit, scrollBy };
}

/** The canvas's pointer handlers: press selects the lane under it and scrubs, drag scrubs, wheel scrolls or zooms. */
function useCanvasPointer(
  { model, range, onSeek, onSelect }: Pick<TrackTimelineProps, 'model' | 'range' | 'onSeek' | 'onSelect'>,
  canvas: RefObject<HTMLCanvasElement | null>,
  { viewRef, zoom, scrollBy }: Pick<ReturnType<typeof useTimelineView>, 'viewRef' | 'zoom' | 'scrollBy'>,
) {
  const dragging = useRef(false);
  const at = (e: { clientX: number; clientY: number }) => {
    const r = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const scrub = (x: number) =>
    onSeek(Math.max(range.start, Math.min(range.end, timeAtX(viewRef.current, Math.max(LABEL_W, x)))));
  return {
    onPointerDown: (e: PointerEvent<HTMLCanvasElement>) => {
      const p = at(e);
      const lane = laneAtY(model, viewRef.current, p.y);
      const hit = model.lanes[lane];
      if (hit) onSelect(hit.id);
      if (p.x >= LABEL_W) scrub(p.x);
      dragging.current = true;
      canvas.current?.setPointerCapture(e.pointerId);
    },
    onPointerMove: (e: PointerEvent<HTMLCanvasElement>) => {
      if (dragging.current) scrub(at(e).x);
    },
    onPointerUp: () => {
      dragging.current = false;
    },
    onWheel: (e: WheelEvent<HTMLCanvasElement>) => {
      if (e.ctrlKey) zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAtX(viewRef.current, at(e).x));
      else scrollBy(e.deltaY);
    },
  };
}

/** Zoom in, zoom out, fit, and the hint line. */
function TimelineTools({ lanes, zoom, fit }: { lanes: number; zoom(f: number): void; fit(): void }) {
  return (
    <div className="timeline-tools">
      <button type="button" onClick={() => zoom(0.5)} aria-label="Zoom in">
        +
      </button>
      <button type="button" onClick={() => zoom(2)} aria-label="Zoom out">
        -
      </button>
      <button type="button" onClick={fit}>
        Fit
      </button>
      <span className="muted small">{lanes} objects · drag to scrub · Ctrl+wheel zooms</span>
    </div>
  );
}

/** The canvas timeline; lanes scroll vertically, time zooms with the buttons or Ctrl+wheel. */
export function TrackTimeline(props: TrackTimelineProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const tv = useTimelineView(props, wrap, canvas);
  const pointer = useCanvasPointer(props, canvas, tv);
  const { view } = tv;
  return (
    <div className="timeline" ref={wrap}>
      <TimelineTools lanes={props.model.lanes.length} zoom={(f) => tv.zoom(f)} fit={tv.fit} />
      <canvas
        ref={canvas}
        data-testid="timeline"
        data-lanes={props.model.lanes.length}
        data-t0={view.t0}
        data-t1={view.t1}
        data-lane-height={LANE_H}
        data-label-width={LABEL_W}
        data-axis-height={AXIS_H}
        style={{ width: view.width, height: view.height, touchAction: 'none' }}
        {...pointer}
      />
    </div>
  );
}

/** The element's width in CSS pixels (at least 200), followed with a ResizeObserver. */
function useElementWidth(wrap: RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(800);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, [wrap]);
  return width;
}

/** Keeps the playhead in view when zoomed in. */
function useFollowPlayhead(
  time: number,
  span: [number, number],
  setSpan: (s: [number, number]) => void,
  range: { start: number; end: number },
): void {
  useEffect(() => {
    const [a, b] = span;
    // Only a playhead inside the run's range moves the view (a player at 0 before a run starting at 60 s must not).
    if ((time < a || time > b) && time >= range.start && time <= range.end) {
      const w = b - a;
      const a2 = Math.max(range.start, Math.min(range.end - w, time - w / 2));
      if (a2 !== a) setSpan([a2, a2 + w]);
    }
  }, [time, span, setSpan, range.start, range.end]);
}

/** Draws the view on the next animation frame (sizing the canvas to it); the cleanup cancels a frame not yet drawn. */
function drawOnNextFrame(
  c: HTMLCanvasElement | null,
  model: TimelineModel,
  viewRef: RefObject<TimelineView>,
): (() => void) | undefined {
  if (!c) return;
  const raf = requestAnimationFrame(() => {
    const v = viewRef.current;
    const w = Math.round(v.width * v.dpr);
    const h = Math.round(v.height * v.dpr);
    if (c.width !== w) c.width = w;
    if (c.height !== h) c.height = h;
    const ctx = c.getContext('2d');
    if (ctx) drawTimeline(ctx, model, v);
  });
  return () => cancelAnimationFrame(raf);
}
