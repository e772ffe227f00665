// Library: open or create a library file, import footage, see every recording (status, reason, duration, indexing
// counts, thumbnail), index with a tier choice and follow the job live (progress, ETA, controls, the caption being written).
import type { MolmoscopeBridge } from '../api/client.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { ActiveModel } from '../components/ActiveModel.js';
import { ImportCard, IndexCard, LibraryFileCard, RecordingsCard } from '../components/library/LibraryCards.js';
import {
  useBusyCall,
  useDropImport,
  useHostLibrary,
  useImports,
  useIndexJob,
  useLibraryRecordings,
} from '../components/library/use-library.js';

/** The Library page. */
export function LibraryPage({ api }: { api: MolmoscopeBridge }) {
  const { busy, error, setError, run } = useBusyCall();
  const { recs, refresh } = useLibraryRecordings(api, setError);
  const indexJob = useIndexJob(api, refresh, run);
  const lib = useHostLibrary(api, refresh, indexJob.follow);
  const imports = useImports(api, refresh, run);
  const drop = useDropImport(api, lib.openPath, imports.importPaths, setError);

  const open = async () => {
    const v = await run('open', () => api.ops['library.open']({ path: lib.libPath.trim(), create: true }));
    if (v) {
      lib.setOpenPath(v.path);
      imports.setSummary(null);
      indexJob.follow(null);
      await refresh();
    }
  };

  return (
    <div
      className={`stack${drop.dragging ? ' dropping' : ''}`}
      data-testid="page-library"
      onDragOver={drop.onDragOver}
      onDragLeave={drop.onDragLeave}
      onDrop={drop.onDrop}
    >
      <ActiveModel api={api} />
      <LibraryFileCard
        libPath={lib.libPath}
        setLibPath={lib.setLibPath}
        openPath={lib.openPath}
        busy={busy}
        onOpen={() => void open()}
      />
      <ErrorNote error={error} />
      {lib.openPath ? (
        <>
          <ImportCard
            api={api}
            busy={busy}
            summary={imports.summary}
            importPaths={(paths) => void imports.importPaths(paths)}
            pick={(kind) => void imports.pick(kind)}
          />
          <IndexCard
            api={api}
            busy={busy}
            readyCount={recs.filter((r) => r.status === 'ready').length}
            job={indexJob.job}
            index={(req) => void indexJob.index(req)}
            control={(what) => void indexJob.control(what)}
          />
          <RecordingsCard api={api} recs={recs} />
        </>
      ) : null}
    </div>
  );
}
