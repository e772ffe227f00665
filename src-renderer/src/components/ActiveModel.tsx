// The model a page's jobs will use, named in one line; with none, how to get one (the Models page or the CLI).
import { useEffect, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import type { OpResponse } from '../../../src-main/api/contract.js';

type Listed = OpResponse<'models.list'>;

/** Reads models.list once per mount (and when a download finishes). */
export function useModels(api: MolmoscopeBridge): Listed | null {
  const [list, setList] = useState<Listed | null>(null);
  useEffect(() => {
    let live = true;
    const load = () => void api.ops['models.list']({}).then((r) => live && r.ok && setList(r.value));
    load();
    const off = api.on('model.download', (e) => e.status === 'done' && load());
    return () => {
      live = false;
      off();
    };
  }, [api]);
  return list;
}

/** "Model: molmo2-4b", or a note saying how to get a model. */
export function ActiveModel({ api }: { api: MolmoscopeBridge }) {
  const list = useModels(api);
  if (!list) return null;
  if (!list.active) {
    return (
      <p className="card muted small" data-testid="no-model">
        No Molmo2 model yet: get one on the <a href="#/models">Models page</a> (or run{' '}
        <code>molmoscope model download molmo2-4b</code>).
      </p>
    );
  }
  return (
    <p className="muted small" data-testid="active-model">
      Model: <strong>{list.active.id ?? list.active.dir}</strong>
      {list.active.via === 'host' ? ' (set when this server was started)' : ''} · <a href="#/models">change</a>
    </p>
  );
}
