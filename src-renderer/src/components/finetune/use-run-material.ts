// A count run's fine-tune material in the renderer (verdicts, added points): loaded when a finished run is picked,
// empty meanwhile; an answer that arrives after another run was picked is dropped.
import { useEffect, useRef, useState } from 'react';

/** State loaded by `load(runId)` for a finished run (`empty` before, and for other runs); the setter takes later answers. */
export function useFinishedRunState<T>(
  runId: number | null,
  finished: boolean,
  empty: T,
  load: (runId: number) => Promise<T | null>,
) {
  const [value, setValue] = useState<T>(empty);
  const loadRef = useRef(load);
  loadRef.current = load;
  const emptyRef = useRef(empty);
  useEffect(() => {
    setValue(emptyRef.current);
    if (runId === null || !finished) return;
    let live = true;
    void loadRef.current(runId).then((v) => {
      if (live && v !== null) setValue(v);
    });
    return () => {
      live = false;
    };
  }, [runId, finished]);
  return [value, setValue] as const;
}
