// "Correct the caption" on a search result: the stored caption in a text box; saving keeps the model's caption and
// stores the user's text as an answer of task caption on that window (training material for the Fine-tune page).
import { useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { OpResponse } from '../../../../src-main/api/contract.js';

/** The button, then the editor, of one caption. */
export function CaptionFix({ api, captionId }: { api: MolmoscopeBridge; captionId: number }) {
  const [cap, setCap] = useState<OpResponse<'finetune.caption'> | null>(null);
  const [text, setText] = useState('');
  const [state, setState] = useState<'idle' | 'saved' | string>('idle');
  const open = async () => {
    const r = await api.ops['finetune.caption']({ captionId });
    if (r.ok) {
      setCap(r.value);
      setText(r.value.text);
    } else setState(r.error.message);
  };
  const save = async () => {
    if (!cap) return;
    const r = await api.ops['finetune.answer.add']({
      recordingId: cap.recordingId,
      start: cap.start,
      end: cap.end,
      task: 'caption',
      answer: text,
      captionId,
    });
    setState(r.ok ? 'saved' : r.error.message);
  };
  if (!cap) {
    return (
      <button type="button" className="small" data-testid="caption-fix" onClick={() => void open()}>
        Correct the caption
      </button>
    );
  }
  return (
    <div className="caption-fix small" data-testid="caption-editor">
      <textarea
        aria-label="corrected caption"
        rows={3}
        maxLength={20000}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="button" disabled={!text.trim()} onClick={() => void save()}>
        Save for fine-tuning
      </button>
      {state !== 'idle' ? <span className="muted">{state === 'saved' ? 'Saved.' : state}</span> : null}
    </div>
  );
}
