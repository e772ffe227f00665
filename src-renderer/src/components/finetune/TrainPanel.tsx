// The training card: settings with their defaults, the memory and time estimate before starting, Train, and the
// running job (progress, ETA, pause/resume/cancel) with its live loss curve.
import { useState } from 'react';
import type { EventPayload, OpResponse } from '../../../../src-main/api/contract.js';
import type { StepDto, TrainSettingsDto } from '../../../../src-main/api/ops/finetune.js';
import { JobProgress } from '../JobProgress.js';
import { LossChart } from './LossChart.js';

const FIELDS: Array<[keyof TrainSettingsDto, string, number]> = [
  ['steps', 'Steps', 1],
  ['lr', 'Learning rate', 0.00001],
  ['rank', 'Rank', 1],
  ['alpha', 'Alpha', 1],
  ['accumulate', 'Examples per step', 1],
  ['warmup', 'Warm-up steps', 1],
  ['seed', 'Seed', 1],
  ['checkpointEvery', 'Checkpoint every', 1],
];

const GiB = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;

export interface TrainPanelProps {
  estimate: OpResponse<'finetune.estimate'> | null;
  settings: Partial<TrainSettingsDto>;
  onSettings(s: Partial<TrainSettingsDto>): void;
  onTrain(evalMaxNewTokens: number | undefined): void;
  job: EventPayload<'job.progress'> | null;
  steps: StepDto[];
  onControl(what: 'pause' | 'resume' | 'cancel'): void;
}

function Estimate({ e }: { e: OpResponse<'finetune.estimate'> }) {
  return (
    <p className="small" data-testid="estimate" data-fits={e.fits}>
      Memory about <strong>{GiB(e.memory.total)}</strong> of {GiB(e.budgetBytes)} available (
      {e.fits ? 'fits' : 'does not fit'}; up to {e.memory.tokens} tokens an example); time{' '}
      {e.seconds === null ? 'unknown until a first run is measured' : `about ${Math.round(e.seconds)} s`}; {e.examples}{' '}
      training examples.
    </p>
  );
}

/** The training card. */
export function TrainPanel({ estimate, settings, onSettings, onTrain, job, steps, onControl }: TrainPanelProps) {
  const [evalTokens, setEvalTokens] = useState('');
  const defaults = estimate?.settings;
  return (
    <section className="card" aria-labelledby="ft-train">
      <h2 id="ft-train">Training</h2>
      <form
        className="settings-grid"
        onSubmit={(ev) => {
          ev.preventDefault();
          onTrain(evalTokens ? Number(evalTokens) : undefined);
        }}
      >
        {FIELDS.map(([k, label, step]) => (
          <label key={k} className="small">
            {label}
            <input
              name={k}
              type="number"
              step={step}
              min={0}
              value={settings[k] ?? defaults?.[k] ?? ''}
              onChange={(e) =>
                onSettings({ ...settings, [k]: e.target.value === '' ? undefined : Number(e.target.value) })
              }
            />
          </label>
        ))}
        <details className="advanced small">
          <summary>Evaluation</summary>
          <label>
            Max new tokens per held-out answer{' '}
            <input
              name="evalMaxNewTokens"
              type="number"
              min={1}
              value={evalTokens}
              onChange={(e) => setEvalTokens(e.target.value)}
            />
          </label>
        </details>
        {estimate ? <Estimate e={estimate} /> : null}
        <button type="submit" disabled={!estimate || !estimate.fits}>
          Train
        </button>
      </form>
      {job ? (
        <JobProgress
          job={job}
          unit="steps"
          onPause={() => onControl('pause')}
          onResume={() => onControl('resume')}
          onCancel={() => onControl('cancel')}
        />
      ) : null}
      {job ? <LossChart steps={steps} total={job.total} /> : null}
    </section>
  );
}
