// Plain-data shapes shared by counting, stitching, editing, metrics and exports.
// Everything here is JSON-serialisable (no classes, no Maps) so it maps onto SQLite rows and files.
import type { ModelCoord, Pixels, Seconds } from '../../api/units.js';

/** Size of the video frame the pixel coordinates refer to. */
export interface FrameSize {
  width: number;
  height: number;
}

/** One model window over the recording; `index` is its position in recording order. */
export interface AnalyticsWindow {
  index: number;
  start: Seconds;
  end: Seconds;
}

/** A point emitted by the model in one window (counting / video pointing), already in pixels. */
export interface WindowPoint {
  /** The model's running id within that window's answer (1..N). */
  localId: number;
  t: Seconds;
  x: Pixels;
  y: Pixels;
}

/** The parsed answer of one counting window. */
export interface CountWindowInput extends AnalyticsWindow {
  points: WindowPoint[];
}

/** A sighting of a counted instance in one window. */
export interface CountEvidence {
  window: number;
  localId: number;
  t: Seconds;
  x: Pixels;
  y: Pixels;
  mx: ModelCoord;
  my: ModelCoord;
}

/** One recording-wide counted instance; `evidence[0]` is the representative sighting (earliest window). */
export interface CountInstance {
  id: number;
  evidence: CountEvidence[];
}

/** A de-duplication decision: sighting A (earlier window) and sighting B were judged the same instance. */
export interface CountMatch {
  windowA: number;
  localA: number;
  windowB: number;
  localB: number;
  instanceId: number;
  /** Pixel distance between the two sightings. */
  cost: number;
}

/** The answer of a count: total, every instance with evidence, per-window counts and the matches made. */
export interface CountResult {
  total: number;
  instances: CountInstance[];
  perWindow: { window: number; start: Seconds; end: Seconds; count: number }[];
  matches: CountMatch[];
}

/** A point of a per-window track with the model's local id. */
export interface LocalTrackPoint {
  t: Seconds;
  x: Pixels;
  y: Pixels;
}

/** A track as one window's answer gives it (local ids are only meaningful inside that window). */
export interface LocalTrack {
  id: number;
  points: LocalTrackPoint[];
}

/** The parsed answer of one tracking window. */
export interface TrackWindowInput extends AnalyticsWindow {
  tracks: LocalTrack[];
}

/** A recording-wide track point: pixels + 0–1000 model coordinates, and which window/local track it came from. */
export interface TrackPoint {
  t: Seconds;
  x: Pixels;
  y: Pixels;
  mx: ModelCoord;
  my: ModelCoord;
  /** Source window index (-1 for points that did not come from a model window, e.g. imported). */
  window: number;
  /** Local id in the source window. */
  localId: number;
}

/** A recording-wide track with a persistent id; points sorted by time, one per sampled time. */
export interface Track {
  id: number;
  label: string;
  points: TrackPoint[];
}

/** Why a local track got its global id. */
export type StitchReason = 'overlap' | 'reid' | 'new';

/**
 * One stitch decision: local track (windowB, localB) joined global track `globalId` because of (windowA, localA).
 * For reason 'new' windowA/localA are null and cost is 0.
 */
export interface StitchDecision {
  windowA: number | null;
  localA: number | null;
  windowB: number;
  localB: number;
  globalId: number;
  /** Mean pixel distance over shared times ('overlap') or predicted-position distance ('reid'). */
  cost: number;
  reason: StitchReason;
}

/** The model-derived track set of a recording (never modified by edits; corrections are applied on top). */
export interface TrackSet {
  frame: FrameSize;
  label: string;
  tracks: Track[];
  decisions: StitchDecision[];
}
