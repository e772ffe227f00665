// Shapes of parsed Molmo2 answers (points, tracks, counts) and of annotations the formatter writes back.
// Coordinates are pixels of the image/frame the key refers to; keys are 1-based image indices or seconds.

export type AnswerKind = 'image' | 'multi-image' | 'video';

export interface ParseOptions {
  kind: AnswerKind;
  /** Size of the image (single image) or of the video frames. */
  width: number;
  height: number;
  /** Per-image sizes for multi-image answers (key k uses sizes[k−1]). */
  sizes?: Array<{ width: number; height: number }>;
}

export interface ParsedPoint {
  key: number;
  id: number;
  x: number;
  y: number;
}
export interface ParsedTrack {
  id: number;
  points: Array<{ t: number; x: number; y: number }>;
}
export interface Dropped {
  text: string;
  reason: string;
}

export interface ParsedAnswer {
  count: number | null;
  points: ParsedPoint[];
  tracks: ParsedTrack[];
  dropped: Dropped[];
}
