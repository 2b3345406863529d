import { useEffect, useState } from 'react';
import { api } from '../api-client.js';
import type { RunRecord } from '../../../src/api/runs.js';
import type { DraftContext } from '../../../src/api/sync-drafts.js';
import type { SyncDetail, SyncPreview, SyncSample } from '../../../src/api/syncs.js';
import { AppLink } from '../components/app-link.js';
import { syncDebugPath } from './sync-debug-page.js';
import { DetailHead } from '../components/detail-head.js';
import { ErrorBox } from '../components/error-box.js';
import { RunProgressView } from '../components/run-progress-view.js';
import { RunsTable } from '../components/runs-table.js';
import { SyncHistoryChart } from '../history/sync-history-chart.js';
import { UnsavedMarker } from '../components/unsaved-marker.js';
import { useI18n } from '../i18n.js';
import { useFlash } from '../router.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';
import { useApi } from '../use-api.js';
import { useRunEvents } from '../use-run-events.js';
import { sameSettings } from '../same-settings.js';
import { useUnsavedEdits } from '../use-unsaved-edits.js';
import { ResultsAndAlerts } from './sync-results/results-and-alerts.js';
import { SyncNotificationsView } from './sync-results/sync-notifications-view.js';
import { DestinationStep } from './sync-wizard/destination-step.js';
import { FieldsStep } from './sync-wizard/fields-step.js';
import { ScheduleStep } from './sync-wizard/schedule-step.js';
import { SourceStep } from './sync-wizard/source-step.js';
import { SyncPreviewView, type PreviewState } from './sync-wizard/sync-preview-view.js';
import { previewDraft, sampleDraft, saveDraft, setPaused, useDestinationOptions, type SampleState, type SyncDraft } from './sync-wizard/sync-draft.js';

/** A schedule as GET /api/schedules lists it (only what this page reads). */
type ScheduleEntry = { kind: string; name: string; pausedAt: string | null };

/**
 * One sync, all of it editable with the wizard's steps: source (SQL and its first rows), destination, key and fields,
 * schedule and errors. Preview plans the settings on the page, saved or not; Run now runs what sluice.yaml holds.
 */
export function SyncPage(props: { name: string }) {
  const { t } = useI18n();
  const flash = useFlash();
  const base = `/api/syncs/${encodeURIComponent(props.name)}`;
  const [draft, setDraft] = useState<SyncDraft | null>(null);
  // The settings as last loaded or saved: Run uses these, whatever the form shows.
  const [savedDraft, setSavedDraft] = useState<SyncDraft | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loadAttempt, setLoadAttempt] = useState(0);
  const [sample, setSample] = useState<SampleState>({ loading: true, result: null, error: null });
  const runs = useApi<RunRecord[]>(`${base}/runs`);
  // The schedules routes keep pauses; a server without them shows no pause.
  const schedules = useApi<ScheduleEntry[]>('/api/schedules');
  const savedPaused = schedules.data?.some((s) => s.kind === 'sync' && s.name === props.name && s.pausedAt !== null) ?? false;
  const [paused, setPausedChoice] = useState<boolean | null>(null);
  const [saveState, setSaveState] = useState<{ saving: boolean; saved: boolean; error: unknown }>({ saving: false, saved: false, error: null });
  const [preview, setPreview] = useState<PreviewState>({ loading: false, result: null, error: null });
  const [runId, setRunId] = useState<string | null>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const events = useRunEvents(runId);
  const reloadRuns = runs.reload;
  const options = useDestinationOptions(draft?.sync.to.connection || undefined);

  useEffect(() => {
    Promise.all([api<SyncDetail>(base), api<DraftContext>(`/api/sync-drafts/context?sync=${encodeURIComponent(props.name)}`)])
      .then(([data, context]) => {
        // `config` is the sync as written in sluice.yaml; the editor holds its query's text, saved back into its file.
        const config = data.config ?? { from: data.from, to: data.to, mode: data.mode };
        const loaded: SyncDraft = context.sql
          ? { sync: { ...config, from: { ...config.from, sql: context.sql.text } }, sqlFile: context.sql.file }
          : { sync: config, sqlFile: null };
        setDraft(loaded);
        setSavedDraft(loaded);
        // A run already going on (started elsewhere, or before a reload) is followed live.
        if (data.runningRunId) setRunId(data.runningRunId);
      })
      .catch(setLoadError);
  }, [base, props.name, loadAttempt]);
  useLoadAgainWhenBack(loadError, () => {
    setLoadError(null);
    setLoadAttempt((n) => n + 1);
  });

  // The saved source's first rows, at once: their columns feed the key and mapping pickers.
  useEffect(() => {
    api<SyncSample>(`${base}/sample?limit=20`)
      .then((result) => setSample({ loading: false, result, error: null }))
      .catch((error: unknown) => setSample({ loading: false, result: null, error }));
  }, [base, loadAttempt]);

  useEffect(() => {
    if (events.summary) void reloadRuns();
  }, [events.summary, reloadRuns]);

  const pausedNow = paused ?? savedPaused;
  const dirty = (draft !== null && !sameSettings(draft, savedDraft)) || pausedNow !== savedPaused;

  const save = async () => {
    if (!draft || saveState.saving) return;
    setSaveState({ saving: true, saved: false, error: null });
    try {
      await saveDraft(props.name, draft, false);
      setSavedDraft(draft);
      if (pausedNow !== savedPaused && (draft.sync.schedule ?? '').trim() !== '') {
        await setPaused(props.name, pausedNow);
        await schedules.reload();
        setPausedChoice(null);
      }
      setSaveState({ saving: false, saved: true, error: null });
    } catch (e) {
      setSaveState({ saving: false, saved: false, error: e });
    }
  };
  useUnsavedEdits(dirty, () => void save());

  if (loadError) return <div className="page"><ErrorBox error={loadError} /></div>;
  if (!draft) return <div className="page muted">{t('common.loading')}</div>;

  const change = (next: SyncDraft) => {
    setSaveState({ saving: false, saved: false, error: null });
    setDraft(next);
  };

  const loadSample = async () => {
    setSample({ loading: true, result: null, error: null });
    try {
      setSample({ loading: false, result: await sampleDraft(draft), error: null });
    } catch (e) {
      setSample({ loading: false, result: null, error: e });
    }
  };

  const runPreview = async () => {
    setPreview({ loading: true, result: null, error: null });
    try {
      // Unchanged settings go through the saved sync's preview, which an operator token may call too.
      const result = dirty ? await previewDraft(props.name, draft) : await api<SyncPreview>(`${base}/preview`, { method: 'POST', body: { limit: 5 } });
      setPreview({ loading: false, result, error: null });
    } catch (e) {
      setPreview({ loading: false, result: null, error: e });
    }
  };

  const runNow = async () => {
    setRunError(null);
    try {
      const { runId: id } = await api<{ runId: string }>(`${base}/runs`, { method: 'POST', body: {} });
      setRunId(id);
      void reloadRuns();
    } catch (e) {
      setRunError(e);
    }
  };

  const running = runId !== null && !events.summary && !events.error;

  return (
    <div className="page">
      <DetailHead
        back={{ to: '/syncs', label: t('nav.syncs') }}
        title={props.name}
        actions={
          <>
            <AppLink to={syncDebugPath(props.name)} testId="debug-link">
              {t('debug.open')}
            </AppLink>
            <button type="button" onClick={() => void runPreview()} disabled={preview.loading} title={t('draft.previewHint')} data-testid="preview-button">
              {preview.loading ? t('sync.previewing') : t('sync.preview')}
            </button>
            {/* The run routes read the sync from sluice.yaml: with edits unsaved, the button says so. */}
            <button type="button" className="primary" onClick={() => void runNow()} disabled={running} title={dirty ? t('draft.runUsesSaved') : undefined} data-testid="run-button">
              {running ? t('sync.running') : dirty ? t('sync.runNowSaved') : t('sync.runNow')}
            </button>
          </>
        }
      >
        {draft.sync.description && <div className="muted">{draft.sync.description}</div>}
      </DetailHead>

      {flash && (
        <div className="notice" role="status" data-testid="flash">
          {flash}
        </div>
      )}
      <ErrorBox error={runError} testId="run-error" />
      {runId && (
        <section className="card" data-testid="run-card">
          <h2>
            {t('sync.run')} <AppLink to={`/runs/${encodeURIComponent(runId)}`}><code>{runId}</code></AppLink>
          </h2>
          <RunProgressView progress={events.progress} summary={events.summary} />
          <ErrorBox error={events.error} />
        </section>
      )}

      <SyncPreviewView preview={preview} />

      <section className="card sync-settings">
        <div className="card-head">
          <h2>{t('sync.settings')}</h2>
          <div className="actions">
            <UnsavedMarker dirty={dirty} />
            <button type="button" className="primary small" onClick={() => void save()} disabled={saveState.saving} aria-keyshortcuts="Control+S Meta+S" data-testid="save-button">
              {saveState.saving ? t('common.saving') : t('common.save')}
            </button>
          </div>
        </div>
        {dirty && <p className="muted small" data-testid="uses-saved">{t('draft.runUsesSaved')}</p>}
        <ErrorBox error={saveState.error} testId="save-error" />
        {saveState.saved && !dirty && <div className="notice" role="status" data-testid="saved">{t('sync.saved')}</div>}

        <h3>{t('sync.source')}</h3>
        <SourceStep draft={draft} onChange={change} sample={sample} onSample={() => void loadSample()} />
        <h3>{t('sync.destination')}</h3>
        <DestinationStep draft={draft} onChange={change} options={options} />
        <h3>{t('wizard.step.fields')}</h3>
        <FieldsStep draft={draft} onChange={change} options={options} sample={sample} />
        <h3>{t('wizard.step.schedule')}</h3>
        <ScheduleStep draft={draft} onChange={change} paused={pausedNow} onPaused={schedules.data ? setPausedChoice : undefined} />
        <h3>{t('results.title')}</h3>
        <ResultsAndAlerts name={props.name} draft={draft} onChange={change} saveError={saveState.error} />
      </section>

      <SyncHistoryChart name={props.name} after={runs.data} />
      <section className="card">
        <h2>{t('sync.recentRuns')}</h2>
        <ErrorBox error={runs.error} />
        {runs.data && <RunsTable runs={runs.data} />}
      </section>
      <SyncNotificationsView name={props.name} reloadKey={events.summary} />
    </div>
  );
}
