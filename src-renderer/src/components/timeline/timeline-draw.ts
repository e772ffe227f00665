// Canvas drawing of the track timeline: one lane per object id, visible spans as bars and gaps as a thin line,
// the playhead and a time axis. Only lanes scrolled into view and spans inside [t0, t1] are touched per frame.
// Indices below are in bounds by the loop bounds (per-frame drawing): plain `!` access.
import { type Lane, type TimelineModel, visibleSpans } from './timeline-model.js';

export interface TimelineView {
  /** Visible time range, seconds. */
  t0: number;
  t1: number;
  /** CSS size of the canvas. */
  width: number;
  height: number;
  dpr: number;
  laneHeight: number;
  /** Width of the label column on the left, CSS px. */
  labelWidth: number;
  /** Height of the time axis on top, CSS px. */
  axisHeight: number;
  /** Vertical scroll of the lanes, CSS px. */
  scrollY: number;
  playhead: number;
  selectedId: number | null;
}

/** A stable colour per object id (golden-angle hues), shared by the timeline and the video overlay. */
export function laneColor(id: number, alpha = 1): string {
  return `hsla(${Math.round((id * 137.508) % 360)}, 78%, 62%, ${alpha})`;
}
const colorCache = new Map<number, string>();
const cachedColor = (id: number) => {
  let c = colorCache.get(id);
  if (!c) colorCache.set(id, (c = laneColor(id)));
  return c;
};

/** x (CSS px) of time t in the view. */
export function xAtTime(v: TimelineView, t: number): number {
  return v.labelWidth + ((t - v.t0) / Math.max(1e-9, v.t1 - v.t0)) * (v.width - v.labelWidth);
}

/** Time at x (CSS px) in the view. */
export function timeAtX(v: TimelineView, x: number): number {
  return v.t0 + ((x - v.labelWidth) / Math.max(1, v.width - v.labelWidth)) * (v.t1 - v.t0);
}

/** Index of the lane under y (CSS px), or -1. */
export function laneAtY(model: TimelineModel, v: TimelineView, y: number): number {
  if (y < v.axisHeight) return -1;
  const i = Math.floor((y - v.axisHeight + v.scrollY) / v.laneHeight);
  return i >= 0 && i < model.lanes.length ? i : -1;
}

function niceStep(span: number, px: number): number {
  const raw = (span / Math.max(1, px)) * 90; // about one label per 90 px
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

const fmt = (s: number) =>
  s >= 60 ? `${Math.floor(s / 60)}:${(s % 60).toFixed(0).padStart(2, '0')}` : `${s.toFixed(s < 10 ? 1 : 0)}s`;

function drawAxis(ctx: CanvasRenderingContext2D, v: TimelineView): void {
  ctx.fillStyle = '#12161f';
  ctx.fillRect(0, 0, v.width, v.axisHeight);
  ctx.fillStyle = '#8b95a7';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const step = niceStep(v.t1 - v.t0, v.width - v.labelWidth);
  for (let t = Math.ceil(v.t0 / step) * step; t <= v.t1; t += step) {
    const x = xAtTime(v, t);
    ctx.fillRect(x, v.axisHeight - 5, 1, 5);
    ctx.fillText(fmt(t), x + 3, v.axisHeight / 2);
  }
}

function drawLane(ctx: CanvasRenderingContext2D, lane: Lane, row: number, v: TimelineView): void {
  const y = v.axisHeight + row * v.laneHeight - v.scrollY;
  const mid = y + v.laneHeight / 2;
  const selected = lane.id === v.selectedId;
  if (selected) {
    ctx.fillStyle = 'rgba(96, 165, 250, 0.16)';
    ctx.fillRect(0, y, v.width, v.laneHeight);
  }
  ctx.fillStyle = selected ? '#e6ebf5' : '#aeb6c4';
  ctx.fillText(`${lane.id} ${lane.label}`.slice(0, 18), 6, mid);
  const n = lane.t.length;
  if (n === 0) return;
  const color = cachedColor(lane.id);
  // The lane's whole extent as a thin line: gaps between spans show as line without a bar.
  const a = Math.max(v.labelWidth, xAtTime(v, lane.t[0]!));
  const b = Math.min(v.width, xAtTime(v, lane.t[n - 1]!));
  ctx.fillStyle = color;
  if (b > a) {
    ctx.globalAlpha = 0.45;
    ctx.fillRect(a, mid, b - a, 1);
    ctx.globalAlpha = 1;
  }
  const [k0, k1] = visibleSpans(lane, v.t0, v.t1);
  const h = Math.max(3, v.laneHeight * (selected ? 0.7 : 0.5));
  let runX0 = -1;
  let runX1 = -1;
  // Spans closer than a pixel are coalesced, so a zoomed-out lane costs one rect per drawn pixel run at most.
  for (let k = k0; k < k1; k++) {
    const x0 = Math.max(v.labelWidth, xAtTime(v, lane.spans[2 * k]!));
    const x1 = Math.min(v.width, Math.max(x0 + 1, xAtTime(v, lane.spans[2 * k + 1]!)));
    if (runX0 >= 0 && x0 <= runX1 + 1) runX1 = Math.max(runX1, x1);
    else {
      if (runX0 >= 0) ctx.fillRect(runX0, mid - h / 2, runX1 - runX0, h);
      runX0 = x0;
      runX1 = x1;
    }
  }
  if (runX0 >= 0) ctx.fillRect(runX0, mid - h / 2, runX1 - runX0, h);
}

/** Draws the visible part of the timeline into a canvas whose backing store is width·dpr × height·dpr. */
export function drawTimeline(ctx: CanvasRenderingContext2D, model: TimelineModel, v: TimelineView): void {
  ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
  ctx.fillStyle = '#0b0e14';
  ctx.fillRect(0, 0, v.width, v.height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const first = Math.max(0, Math.floor(v.scrollY / v.laneHeight));
  const last = Math.min(model.lanes.length, Math.ceil((v.scrollY + v.height - v.axisHeight) / v.laneHeight));
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, v.axisHeight, v.width, v.height - v.axisHeight);
  ctx.clip();
  for (let i = first; i < last; i++) drawLane(ctx, model.lanes[i]!, i, v);
  ctx.restore();
  drawAxis(ctx, v);
  if (v.playhead >= v.t0 && v.playhead <= v.t1) {
    const x = xAtTime(v, v.playhead);
    ctx.fillStyle = '#f87171';
    ctx.fillRect(x - 0.5, 0, 2, v.height);
  }
}

/** Baseline for the benchmark: every lane and every point drawn, no culling, no precomputed spans. */
export function drawNaive(ctx: CanvasRenderingContext2D, model: TimelineModel, v: TimelineView): void {
  ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
  ctx.fillStyle = '#0b0e14';
  ctx.fillRect(0, 0, v.width, v.height);
  model.lanes.forEach((lane, row) => {
    const y = v.axisHeight + row * v.laneHeight - v.scrollY + v.laneHeight / 4;
    ctx.fillStyle = laneColor(lane.id);
    for (let i = 0; i < lane.t.length; i++) ctx.fillRect(xAtTime(v, lane.t[i]!), y, 1, v.laneHeight / 2);
  });
  ctx.fillStyle = '#f87171';
  ctx.fillRect(xAtTime(v, v.playhead) - 0.5, 0, 2, v.height);
}
