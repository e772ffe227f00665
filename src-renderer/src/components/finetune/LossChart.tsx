// The training loss as a line on a canvas (no chart dependency): steps on x, loss on y, axes labelled with the range.
import { useEffect, useRef } from 'react';
import type { StepDto } from '../../../../src-main/api/ops/finetune.js';

const W = 520;
const H = 180;
const PAD = 36;

function draw(c: HTMLCanvasElement, steps: StepDto[], total: number) {
  const g = c.getContext('2d');
  if (!g) return;
  g.clearRect(0, 0, W, H);
  g.strokeStyle = 'rgba(148,163,184,0.5)';
  g.strokeRect(PAD, 8, W - PAD - 8, H - PAD - 8);
  if (steps.length === 0) return;
  const lo = Math.min(...steps.map((s) => s.loss));
  const hi = Math.max(...steps.map((s) => s.loss));
  const span = hi - lo || 1;
  const x = (step: number) => PAD + ((step - 1) / Math.max(1, total - 1)) * (W - PAD - 8);
  const y = (loss: number) => 8 + (1 - (loss - lo) / span) * (H - PAD - 8);
  g.strokeStyle = '#60a5fa';
  g.lineWidth = 2;
  g.beginPath();
  steps.forEach((s, i) => (i === 0 ? g.moveTo(x(s.step), y(s.loss)) : g.lineTo(x(s.step), y(s.loss))));
  g.stroke();
  g.fillStyle = '#60a5fa';
  for (const s of steps) g.fillRect(x(s.step) - 2, y(s.loss) - 2, 4, 4);
  g.fillStyle = 'rgba(203,213,225,0.9)';
  g.font = '11px sans-serif';
  g.fillText(hi.toFixed(3), 2, 16);
  g.fillText(lo.toFixed(3), 2, H - PAD);
  g.fillText(`step 1`, PAD, H - 12);
  g.fillText(`step ${total}`, W - 60, H - 12);
}

/** The loss curve of a training job; `total` is its number of steps. */
export function LossChart({ steps, total }: { steps: StepDto[]; total: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) draw(ref.current, steps, total);
  }, [steps, total]);
  const lastLoss = steps.at(-1)?.loss;
  return (
    <figure className="loss-chart">
      <canvas
        ref={ref}
        width={W}
        height={H}
        data-testid="loss-chart"
        data-points={steps.length}
        aria-label={`training loss over ${steps.length} steps`}
      />
      <figcaption className="small muted">
        {steps.length ? `loss ${lastLoss?.toFixed(4)} at step ${steps.at(-1)?.step}/${total}` : 'no steps yet'}
      </figcaption>
    </figure>
  );
}
