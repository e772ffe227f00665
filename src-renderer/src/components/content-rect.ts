// Where a <video> with object-fit: contain draws its picture, and the source-pixel → CSS-pixel mapping for overlays.
// Pure geometry over the element's sizes, so it is tested without a browser.

export interface ContentRect {
  /** Offset of the displayed picture inside the <video> element box, CSS pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** CSS pixels per source pixel. */
  scale: number;
  /** Maps a source-pixel position (of the recording) to CSS pixels relative to the picture's top-left corner. */
  toCss(x: number, y: number): { x: number; y: number };
}

/**
 * Where the picture is drawn inside a <video> with object-fit: contain. Source pixels are the recording's display
 * pixels; pass its size when the played file may differ by rounding (a proxy keeps even dimensions).
 */
export function contentRect(
  video: Pick<HTMLVideoElement, 'clientWidth' | 'clientHeight' | 'videoWidth' | 'videoHeight'>,
  sourceWidth?: number,
  sourceHeight?: number,
): ContentRect {
  const boxW = video.clientWidth;
  const boxH = video.clientHeight;
  const vw = video.videoWidth || sourceWidth || boxW || 1;
  const vh = video.videoHeight || sourceHeight || boxH || 1;
  const fit = Math.min(boxW / vw, boxH / vh) || 0;
  const width = vw * fit;
  const height = vh * fit;
  const scale = width / (sourceWidth || vw);
  const scaleY = height / (sourceHeight || vh);
  return {
    left: (boxW - width) / 2,
    top: (boxH - height) / 2,
    width,
    height,
    scale,
    toCss: (x, y) => ({ x: x * scale, y: y * scaleY }),
  };
}
