// Editing the tracks of a track run: the selected object renamed, merged into another, split at the playhead or
// deleted, and the last correction undone; each edit is a stored correction that answers with the corrected tracks.
import { useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { EditDto, RunResultDto } from '../../../../src-main/api/ops/analytics.js';
import type { Lane, TimelineModel } from '../timeline/timeline-model.js';
import { fmtTime } from './use-analytics.js';

/** `edit` and `undo` on one run's result, which they replace with the corrected one; the last edit's error. */
export function useTrackEdits(
  api: MolmoscopeBridge,
  result: RunResultDto | null,
  setResult: (r: RunResultDto) => void,
  onDeleted: () => void,
) {
  const [editError, setEditError] = useState<ApiError | null>(null);
  /** Applies one edit; true when it was stored. */
  const edit = async (e: EditDto): Promise<boolean> => {
    if (!result) return false;
    setEditError(null);
    const r = await api.ops['analytics.correct']({ runId: result.run.id, edit: e });
    if (!r.ok) {
      setEditError(r.error);
      return false;
    }
    setResult({ ...result, tracks: r.value.tracks });
    if (e.kind === 'delete') onDeleted();
    return true;
  };
  const undo = async () => {
    const corrections = result?.tracks?.corrections ?? [];
    const last = corrections[corrections.length - 1];
    if (!result || !last) return;
    const r = await api.ops['analytics.undo']({ runId: result.run.id, correctionId: last.id });
    if (!r.ok) return setEditError(r.error);
    setResult({ ...result, tracks: r.value.tracks });
  };
  return { edit, undo, editError };
}

/** The edit controls for the selected lane `sel` (none selected: only Undo). */
export function TrackEditBar(p: {
  model: TimelineModel;
  sel: Lane | null;
  time: number;
  canUndo: boolean;
  edit(e: EditDto): Promise<boolean>;
  undo(): void;
}) {
  const { model, sel, time } = p;
  const [rename, setRename] = useState('');
  const [mergeWith, setMergeWith] = useState('');
  const edit = async (e: EditDto) => {
    if ((await p.edit(e)) && (e.kind === 'merge' || e.kind === 'delete')) setMergeWith('');
  };
  return (
    <div className="edit-bar" aria-label="edit tracks">
      <span className="small">
        {sel ? (
          <>
            Selected <strong data-testid="selected-id">{sel.id}</strong> {sel.label}
          </>
        ) : (
          'Select a lane or an object'
        )}{' '}
        · playhead {fmtTime(time)}
      </span>
      <input
        aria-label="new label"
        value={rename}
        onChange={(e) => setRename(e.target.value)}
        placeholder="label"
        disabled={!sel}
      />
      <button
        type="button"
        disabled={!sel || !rename.trim()}
        onClick={() => sel && void edit({ kind: 'rename', trackId: sel.id, label: rename.trim() })}
      >
        Rename
      </button>
      <select aria-label="merge with" value={mergeWith} onChange={(e) => setMergeWith(e.target.value)} disabled={!sel}>
        <option value="">merge with…</option>
        {model.lanes
          .filter((l) => l.id !== sel?.id)
          .map((l) => (
            <option key={l.id} value={l.id}>
              {l.id} {l.label}
            </option>
          ))}
      </select>
      <button
        type="button"
        disabled={!sel || !mergeWith}
        onClick={() => sel && void edit({ kind: 'merge', keepId: sel.id, mergeId: Number(mergeWith) })}
      >
        Merge
      </button>
      <button
        type="button"
        disabled={!sel}
        onClick={() => sel && void edit({ kind: 'split', trackId: sel.id, at: time })}
      >
        Split at playhead
      </button>
      <button type="button" disabled={!sel} onClick={() => sel && void edit({ kind: 'delete', trackId: sel.id })}>
        Delete
      </button>
      <button type="button" disabled={!p.canUndo} onClick={p.undo}>
        Undo
      </button>
    </div>
  );
}
