// The app shell: sidebar navigation over the sections, a header, and the current page.
// Navigation is hash-based (#/settings) so the same build works over file-less app:// and http://.
import { useEffect, useState } from 'react';
import type { MolmoscopeBridge } from './api/client.js';
import type { EventPayload } from '../../src-main/api/contract.js';
import { SectionIcon } from './icons.js';
import { SECTIONS, hashNamesSection, sectionFromHash, type SectionId } from './sections.js';
import { SettingsPage } from './pages/SettingsPage.js';
import { PlaceholderPage } from './pages/PlaceholderPage.js';
import { ApiContext } from './api/context.js';
import { CountPage } from './pages/CountPage.js';
import { TrackPage } from './pages/TrackPage.js';
import { LibraryPage } from './pages/LibraryPage.js';
import { SearchPage } from './pages/SearchPage.js';
import { ModelsPage } from './pages/ModelsPage.js';
import { FinetunePage } from './pages/FinetunePage.js';

function useSection(): SectionId {
  const [section, setSection] = useState<SectionId>(() => sectionFromHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setSection(sectionFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return section;
}

/** First start: a window opened without a section goes to the Models page while no model is installed or active. */
function useFirstStart(api: MolmoscopeBridge) {
  useEffect(() => {
    if (hashNamesSection(window.location.hash)) return;
    let live = true;
    void api.ops['models.list']({}).then((r) => {
      if (live && r.ok && r.value.active === null && !hashNamesSection(window.location.hash))
        window.location.hash = '#/models';
    });
    return () => {
      live = false;
    };
  }, [api]);
}

function useEngineStatus(api: MolmoscopeBridge) {
  const [status, setStatus] = useState<EventPayload<'engine.status'> | null>(null);
  useEffect(() => api.on('engine.status', setStatus), [api]);
  return status;
}

/** The page of a section. */
function Page({ section, api }: { section: SectionId; api: MolmoscopeBridge }) {
  switch (section) {
    case 'library':
      return <LibraryPage api={api} />;
    case 'search':
      return <SearchPage api={api} />;
    case 'count':
      return <CountPage api={api} />;
    case 'track':
      return <TrackPage api={api} />;
    case 'models':
      return <ModelsPage api={api} />;
    case 'finetune':
      return <FinetunePage api={api} />;
    case 'settings':
      return <SettingsPage api={api} />;
    default:
      return <PlaceholderPage section={section} />;
  }
}

/** The whole app for one bridge. */
export function App({ api }: { api: MolmoscopeBridge }) {
  const section = useSection();
  useFirstStart(api);
  const engine = useEngineStatus(api);
  const current = SECTIONS.find((s) => s.id === section)!;
  return (
    <ApiContext.Provider value={api}>
      <div className="shell">
        <nav className="sidebar" aria-label="Sections">
          <div className="brand">
            <img src="./icon.svg" alt="" width={28} height={28} />
            <span>Molmoscope</span>
          </div>
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.id}>
                <a
                  href={`#/${s.id}`}
                  className={s.id === section ? 'active' : undefined}
                  aria-current={s.id === section ? 'page' : undefined}
                  data-section={s.id}
                >
                  <SectionIcon id={s.id} />
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
          <div className="sidebar-foot">
            <span className={`dot ${engine?.state === 'crashed' ? 'bad' : engine ? 'good' : 'idle'}`} />
            <span>Engine: {engine ? engine.state : 'not started'}</span>
            <span className="muted small">via {api.transport === 'electron' ? 'desktop app' : 'local server'}</span>
          </div>
        </nav>
        <main className="content">
          <header className="page-head">
            <h1>{current.label}</h1>
            <p className="muted">{current.blurb}</p>
          </header>
          <Page section={section} api={api} />
        </main>
      </div>
    </ApiContext.Provider>
  );
}
