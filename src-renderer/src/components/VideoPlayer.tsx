// A recording player that never knows a file path: plays bridge.mediaUrl(id), seeks on demand, reports its time,
// and lays `children` over exactly the displayed picture (letterboxing accounted for) for points and tracks.
import {
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  type ReactNode,
  type Ref,
  type RefObject,
} from 'react';
import { useApi } from '../api/context.js';
import { contentRect } from './content-rect.js';

export { contentRect, type ContentRect } from './content-rect.js';

export interface VideoPlayerHandle {
  /** Seeks to `t` seconds of recording time (clamped to the recording). */
  seek(t: number): void;
  readonly video: HTMLVideoElement | null;
}

export interface VideoPlayerProps {
  recordingId: number;
  /** Seconds to seek to once the media is loaded (and again whenever it changes). */
  startAt?: number;
  /** Called with the current time on seeks, and on every animation frame while playing. */
  onTime?(t: number): void;
  /** Rendered in a layer exactly over the displayed picture (same CSS size); position children with contentRect. */
  children?: ReactNode;
}

type Rect = { left: number; top: number; width: number; height: number };

/** The ref handle: `seek` clamps to the recording; `video` is the element. */
function useSeekHandle(ref: Ref<VideoPlayerHandle>, videoRef: RefObject<HTMLVideoElement | null>) {
  const seek = useCallback(
    (t: number) => {
      const v = videoRef.current;
      if (!v || !Number.isFinite(t)) return;
      const d = Number.isFinite(v.duration) ? v.duration : Infinity;
      v.currentTime = Math.max(0, Math.min(t, d));
    },
    [videoRef],
  );
  useImperativeHandle(
    ref,
    () => ({
      seek,
      get video() {
        return videoRef.current;
      },
    }),
    [seek, videoRef],
  );
  return seek;
}

/**
 * The displayed picture's rectangle inside the element (re-measured on resize and on new metadata), and `onTime`
 * called on seeks and on every animation frame while playing.
 */
function usePictureRect(videoRef: RefObject<HTMLVideoElement | null>, onTime: ((t: number) => void) | undefined) {
  const [rect, setRect] = useState<Rect | null>(null);
  const onTimeRef = useRef(onTime);
  onTimeRef.current = onTime;

  const measure = useCallback(() => {
    const v = videoRef.current;
    if (!v) return;
    const r = contentRect(v);
    setRect((old) =>
      old && old.left === r.left && old.top === r.top && old.width === r.width && old.height === r.height
        ? old
        : { left: r.left, top: r.top, width: r.width, height: r.height },
    );
  }, [videoRef]);

  useEffect(() => {
    const v = videoRef.current;
    if (!v) return;
    const ro = new ResizeObserver(measure);
    ro.observe(v);
    let raf = 0;
    const tick = () => {
      onTimeRef.current?.(v.currentTime);
      if (!v.paused && !v.ended) raf = requestAnimationFrame(tick);
    };
    const onPlay = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(tick);
    };
    const onSeeked = () => onTimeRef.current?.(v.currentTime);
    v.addEventListener('play', onPlay);
    v.addEventListener('seeked', onSeeked);
    v.addEventListener('loadedmetadata', measure);
    return () => {
      ro.disconnect();
      cancelAnimationFrame(raf);
      v.removeEventListener('play', onPlay);
      v.removeEventListener('seeked', onSeeked);
      v.removeEventListener('loadedmetadata', measure);
    };
  }, [measure, videoRef]);
  return rect;
}

/** Seeks to startAt once metadata is there (a new recording) or at once when only startAt changes. */
function useStartAt(
  videoRef: RefObject<HTMLVideoElement | null>,
  recordingId: number,
  startAt: number | undefined,
  seek: (t: number) => void,
) {
  useEffect(() => {
    const v = videoRef.current;
    if (!v || startAt === undefined) return;
    if (v.readyState >= HTMLMediaElement.HAVE_METADATA) {
      seek(startAt);
      return;
    }
    const go = () => seek(startAt);
    v.addEventListener('loadedmetadata', go, { once: true });
    return () => v.removeEventListener('loadedmetadata', go);
  }, [videoRef, recordingId, startAt, seek]);
}

/** The player; the ref handle seeks and exposes the <video>. */
export const VideoPlayer = forwardRef<VideoPlayerHandle, VideoPlayerProps>(function VideoPlayer(
  { recordingId, startAt, onTime, children },
  ref,
) {
  const api = useApi();
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seek = useSeekHandle(ref, videoRef);
  const rect = usePictureRect(videoRef, onTime);
  useStartAt(videoRef, recordingId, startAt, seek);
  useEffect(() => setError(null), [recordingId]);

  return (
    <div className="player" data-testid="video-player">
      <video
        ref={videoRef}
        src={api.mediaUrl(recordingId)}
        controls
        preload="metadata"
        playsInline
        onError={() =>
          setError(`This recording could not be played (media error ${videoRef.current?.error?.code ?? '?'}).`)
        }
      />
      {rect && children ? (
        <div
          className="player-overlay"
          style={{ left: rect.left, top: rect.top, width: rect.width, height: rect.height }}
        >
          {children}
        </div>
      ) : null}
      {error ? <p className="player-error small">{error}</p> : null}
    </div>
  );
});
