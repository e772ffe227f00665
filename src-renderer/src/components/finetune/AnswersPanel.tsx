// Typed answers on clips: pick a recording and a range, write the question and the right answer; each becomes an
// example of the next dataset version (the clip's own frames, one question per example).
import { useEffect, useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { OpResponse } from '../../../../src-main/api/contract.js';
import type { Recording } from '../../../../src-main/api/ops/library.js';

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

type Answer = OpResponse<'finetune.answer.list'>['answers'][number];

type Fields = { recordingId: string; start: string; end: string; question: string; answer: string };

/** The two text fields of the form: the question and the right answer. */
const TEXT_FIELDS = [
  { k: 'question', name: 'answerQuestion', label: 'question', placeholder: 'Question', max: 2000 },
  { k: 'answer', name: 'answerText', label: 'answer', placeholder: 'The right answer', max: 20000 },
] as const;

/** The form of a new answer: recording, range, question, answer. */
function AnswerForm(p: { recordings: Recording[]; f: Fields; setF(f: Fields): void; onAdd(): void }) {
  /** The value of one field and the handler that writes it back. */
  const bind = (k: keyof Fields) => ({
    value: p.f[k],
    onChange: (e: { target: { value: string } }) => p.setF({ ...p.f, [k]: e.target.value }),
  });
  return (
    <form
      className="row small"
      onSubmit={(e) => {
        e.preventDefault();
        p.onAdd();
      }}
    >
      <select name="answerRecording" aria-label="recording" {...bind('recordingId')}>
        {p.recordings.map((r) => (
          <option key={r.id} value={r.id}>
            {baseName(r.path)}
          </option>
        ))}
      </select>
      <input name="answerStart" aria-label="from (s)" type="number" min={0} step={0.5} {...bind('start')} />
      <input name="answerEnd" aria-label="to (s)" type="number" min={0} step={0.5} {...bind('end')} />
      {TEXT_FIELDS.map((t) => (
        <input
          key={t.k}
          name={t.name}
          aria-label={t.label}
          placeholder={t.placeholder}
          maxLength={t.max}
          {...bind(t.k)}
        />
      ))}
      <button type="submit" disabled={!p.f.question.trim() || !p.f.answer.trim() || p.recordings.length === 0}>
        Add answer
      </button>
    </form>
  );
}

/** The answers card. */
export function AnswersPanel({
  api,
  recordings,
  onError,
}: {
  api: MolmoscopeBridge;
  recordings: Recording[];
  onError(e: ApiError | null): void;
}) {
  const [answers, setAnswers] = useState<Answer[]>([]);
  const [f, setF] = useState<Fields>({ recordingId: '', start: '0', end: '5', question: '', answer: '' });
  const reload = async () => {
    const r = await api.ops['finetune.answer.list']({});
    if (r.ok) setAnswers(r.value.answers);
  };
  // Once per bridge: later changes reload through add/del.
  useEffect(() => {
    void reload();
  }, [api]);
  const add = async () => {
    const recordingId = Number(f.recordingId || recordings[0]?.id);
    const r = await api.ops['finetune.answer.add']({
      recordingId,
      start: Number(f.start),
      end: Number(f.end),
      task: 'qa',
      question: f.question,
      answer: f.answer,
    });
    onError(r.ok ? null : r.error);
    if (r.ok) {
      setF({ ...f, question: '', answer: '' });
      await reload();
    }
  };
  const del = async (id: number) => {
    await api.ops['finetune.answer.delete']({ id });
    await reload();
  };
  const name = (id: number) => baseName(recordings.find((r) => r.id === id)?.path ?? `#${id}`);
  return (
    <section className="card" aria-labelledby="ft-answers">
      <h2 id="ft-answers">Answers on clips</h2>
      <AnswerForm recordings={recordings} f={f} setF={setF} onAdd={() => void add()} />
      <ul className="examples">
        {answers.map((a) => (
          <li key={a.id} className="row small" data-testid="clip-answer">
            <span>
              {name(a.recordingId)} {a.start.toFixed(1)}–{a.end.toFixed(1)} s
            </span>
            <q>{a.question}</q>
            <strong>{a.answer}</strong>
            <button type="button" onClick={() => void del(a.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
