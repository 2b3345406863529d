import { useEffect, useState } from 'react';
import { configureApi } from './api-client.js';
import { OfflineBanner } from './components/offline-banner.js';
import { Sidebar } from './components/sidebar.js';
import { useI18n } from './i18n.js';
import { ConnectionPage } from './pages/connection-page.js';
import { ConnectionsPage } from './pages/connections-page.js';
import { ConnectorBuilderPage } from './pages/connector-builder-page.js';
import { ConnectorsPage } from './pages/connectors-page.js';
import { LoginPage } from './pages/login-page.js';
import { ProjectEditorPage } from './pages/project-editor-page.js';
import { PipelinePage } from './pages/pipeline-page.js';
import { PipelinesPage } from './pages/pipelines-page.js';
import { RunPage } from './pages/run-page.js';
import { RunsPage } from './pages/runs-page.js';
import { SchedulesPage } from './pages/schedules-page.js';
import { SyncDebugPage } from './pages/sync-debug-page.js';
import { SyncPage } from './pages/sync-page.js';
import { SyncsPage } from './pages/syncs-page.js';
import { SyncWizardPage } from './pages/sync-wizard/sync-wizard-page.js';
import { useInvalidProject } from './project-validity.js';
import { matchPath, mayLeave, navigate, usePath } from './router.js';
import { clearToken, loadToken, saveToken } from './token-store.js';

/** Picks the page for a path. */
function Page(props: { path: string }) {
  const { t } = useI18n();
  const { path } = props;
  let m: Record<string, string> | null;
  if (matchPath('/connectors', path)) return <ConnectorsPage />;
  if (matchPath('/connectors/new', path)) return <ConnectorBuilderPage name={null} />;
  if ((m = matchPath('/connectors/:name', path))) return <ConnectorBuilderPage key={m.name} name={m.name ?? null} />;
  if (matchPath('/connections', path)) return <ConnectionsPage />;
  if (matchPath('/connections/new', path)) return <ConnectionPage name={null} />;
  if ((m = matchPath('/connections/:name', path))) return <ConnectionPage key={m.name} name={m.name ?? null} />;
  if (matchPath('/syncs', path)) return <SyncsPage />;
  if (matchPath('/syncs/new', path)) return <SyncWizardPage />;
  if ((m = matchPath('/syncs/:name', path))) return <SyncPage key={m.name} name={m.name ?? ''} />;
  if ((m = matchPath('/syncs/:name/debug', path))) return <SyncDebugPage key={m.name} name={m.name ?? ''} />;
  if (matchPath('/pipelines', path)) return <PipelinesPage />;
  if ((m = matchPath('/pipelines/:name', path))) return <PipelinePage key={m.name} name={m.name ?? ''} />;
  if (matchPath('/schedules', path)) return <SchedulesPage />;
  if (matchPath('/runs', path)) return <RunsPage />;
  if ((m = matchPath('/runs/:id', path))) return <RunPage key={m.id} id={m.id ?? ''} />;
  return (
    <div className="page">
      <h1>{t('notFound.title')}</h1>
      <p className="muted">{path}</p>
    </div>
  );
}

/** The whole UI: the login screen until a token is known, then the sidebar and the current page. */
export function App() {
  const [token, setToken] = useState<string | null>(() => loadToken());
  const [refused, setRefused] = useState(false);
  const path = usePath();
  // While the project on disk does not load, every page would show an error or empty lists: its editor shows instead
  // (but the connector builder, which needs no project, stays: a connector spec may be what is broken).
  const invalidProject = useInvalidProject();

  configureApi({
    token,
    onUnauthorized: () => {
      clearToken();
      setRefused(true);
      setToken(null);
    },
  });

  useEffect(() => {
    if (path === '/' || path === '') navigate('/syncs', { replace: true });
  }, [path]);

  if (!token) {
    return (
      <>
        <OfflineBanner />
        <LoginPage
          refused={refused}
          onLogin={(value) => {
            saveToken(value);
            setRefused(false);
            setToken(value);
          }}
        />
      </>
    );
  }
  return (
    <div className="layout">
      <Sidebar
        path={path}
        onSignOut={() => {
          if (!mayLeave()) return;
          clearToken();
          setToken(null);
        }}
      />
      <main className="content">
        <OfflineBanner />
        {invalidProject && !path.startsWith('/connectors/') ? <ProjectEditorPage issues={invalidProject} /> : <Page path={path} />}
      </main>
    </div>
  );
}
