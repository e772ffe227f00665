// Points of every object visible at the playhead, drawn over the video (SVG in source-pixel coordinates, so it scales
// with the picture): a dot with the id label and a short trail of the last two seconds; the selected object stands out.
import { laneColor } from './timeline-draw.js';
import { pointAt, pointRange, type TimelineModel } from './timeline-model.js';

const TRAIL_S = 2;

/** The overlay for one time; `tolerance` is how far (s) the nearest sample may be for the object to count as visible. */
export function TrackOverlay({
  model,
  time,
  selectedId,
  frame,
  tolerance,
}: {
  model: TimelineModel;
  time: number;
  selectedId: number | null;
  frame: { width: number; height: number };
  tolerance: number;
}) {
  const r = frame.width * 0.009;
  const font = frame.width * 0.018;
  return (
    <svg
      className="overlay-svg"
      viewBox={`0 0 ${frame.width} ${frame.height}`}
      preserveAspectRatio="none"
      data-testid="track-overlay"
    >
      {model.lanes.map((lane) => {
        const p = pointAt(lane, time, tolerance);
        if (!p) return null;
        const [i0] = pointRange(lane, time - TRAIL_S, time);
        const trail: string[] = [];
        for (let i = i0; i <= p.i; i++) {
          // i0 ≤ i ≤ p.i < lane.t.length; the trail does not jump across an absence.
          if (i > i0 && lane.t[i]! - lane.t[i - 1]! > model.gap) trail.length = 0;
          trail.push(`${lane.x[i]},${lane.y[i]}`);
        }
        const sel = lane.id === selectedId;
        const color = laneColor(lane.id);
        return (
          <g
            key={lane.id}
            data-testid="track-dot"
            data-id={lane.id}
            data-x={p.x}
            data-y={p.y}
            opacity={selectedId === null || sel ? 1 : 0.55}
          >
            {trail.length > 1 && (
              <polyline
                points={trail.join(' ')}
                fill="none"
                stroke={color}
                strokeWidth={sel ? r * 0.7 : r * 0.4}
                strokeLinejoin="round"
              />
            )}
            <circle
              cx={p.x}
              cy={p.y}
              r={sel ? r * 1.5 : r}
              fill={color}
              stroke={sel ? '#fff' : '#000'}
              strokeWidth={r * 0.3}
            />
            <text
              x={p.x + r * 1.8}
              y={p.y - r * 1.2}
              fill="#fff"
              stroke="#000"
              strokeWidth={font * 0.12}
              paintOrder="stroke"
              style={{ fontSize: font, fontWeight: sel ? 700 : 500 }}
            >
              {lane.id}
              {lane.label !== model.lanes[0]?.label || sel ? ` ${lane.label}` : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
