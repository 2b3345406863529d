import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api-client.js';
import type { RunRecord } from '../../../src/api/runs.js';
import { syncModes, type SyncDetail, type SyncEnd, type SyncObject, type SyncPreview, type SyncSample } from '../../../src/api/syncs.js';
import { AppLink } from '../components/app-link.js';
import { DetailHead } from '../components/detail-head.js';
import { ErrorBox } from '../components/error-box.js';
import { SelectField } from '../components/select-field.js';
import { KeyValueEditor } from '../components/key-value-editor.js';
import { RunProgressView } from '../components/run-progress-view.js';
import { RunsTable } from '../components/runs-table.js';
import { SyncHistoryChart } from '../history/sync-history-chart.js';
import { UnsavedMarker } from '../components/unsaved-marker.js';
import { useI18n } from '../i18n.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';
import { useApi } from '../use-api.js';
import { useRunEvents } from '../use-run-events.js';
import { sameSettings } from '../same-settings.js';
import { useUnsavedEdits } from '../use-unsaved-edits.js';

type Obj = Record<string, unknown>;

const columnName = (c: SyncSample['columns'][number]) => (typeof c === 'string' ? c : c.name);
const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** One sync: its source query and sample rows, destination, settings (editable), preview, and Run now with live progress. */
export function SyncPage(props: { name: string }) {
  const { t } = useI18n();
  const base = `/api/syncs/${encodeURIComponent(props.name)}`;
  const [sync, setSync] = useState<SyncObject | null>(null);
  // The settings as last loaded or saved: preview and run use these, whatever the form shows.
  const [savedSync, setSavedSync] = useState<SyncObject | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loadAttempt, setLoadAttempt] = useState(0);
  const sample = useApi<SyncSample>(`${base}/sample?limit=20`);
  const runs = useApi<RunRecord[]>(`${base}/runs`);
  const [saveState, setSaveState] = useState<{ saving: boolean; saved: boolean; error: unknown }>({ saving: false, saved: false, error: null });
  const [preview, setPreview] = useState<{ loading: boolean; result: SyncPreview | null; error: unknown }>({ loading: false, result: null, error: null });
  const [runId, setRunId] = useState<string | null>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const events = useRunEvents(runId);
  const reloadRuns = runs.reload;

  useEffect(() => {
    api<SyncDetail>(base)
      .then((data) => {
        // `config` is the sync as written in sluice.yaml: what the settings form edits and PUT writes back.
        const config = data.config ?? { from: data.from, to: data.to, mode: data.mode };
        setSync(config);
        setSavedSync(config);
        // A run already going on (started elsewhere, or before a reload) is followed live.
        if (data.runningRunId) setRunId(data.runningRunId);
      })
      .catch(setLoadError);
  }, [base, loadAttempt]);
  useLoadAgainWhenBack(loadError, () => {
    setLoadError(null);
    setLoadAttempt((n) => n + 1);
  });

  useEffect(() => {
    if (events.summary) void reloadRuns();
  }, [events.summary, reloadRuns]);

  const dirty = sync !== null && !sameSettings(sync, savedSync);

  const save = async () => {
    if (!sync || saveState.saving) return;
    setSaveState({ saving: true, saved: false, error: null });
    try {
      await api(base, { method: 'PUT', body: sync });
      setSavedSync(sync);
      setSaveState({ saving: false, saved: true, error: null });
    } catch (e) {
      setSaveState({ saving: false, saved: false, error: e });
    }
  };
  useUnsavedEdits(dirty, () => void save());

  if (loadError) return <div className="page"><ErrorBox error={loadError} /></div>;
  if (!sync) return <div className="page muted">{t('common.loading')}</div>;

  const edit = (key: string, value: unknown) => {
    setSaveState({ saving: false, saved: false, error: null });
    const next: Obj = { ...sync };
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
    setSync(next as SyncObject);
  };
  const keyText = Array.isArray(sync.key) ? sync.key.join(', ') : (sync.key ?? '');
  const setKey = (text: string) => {
    const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
    edit('key', parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : parts);
  };

  const runPreview = async () => {
    setPreview({ loading: true, result: null, error: null });
    try {
      setPreview({ loading: false, result: await api<SyncPreview>(`${base}/preview`, { method: 'POST', body: { limit: 5 } }), error: null });
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
  const from = sync.from ?? { connection: '' };
  const to = sync.to ?? { connection: '' };

  return (
    <div className="page">
      <DetailHead
        back={{ to: '/syncs', label: t('nav.syncs') }}
        title={props.name}
        actions={
          <>
            {/* The preview and run routes read the sync from sluice.yaml: with edits unsaved, the buttons say so. */}
            <button type="button" onClick={() => void runPreview()} disabled={preview.loading} title={dirty ? t('sync.usesSavedHint') : undefined} data-testid="preview-button">
              {preview.loading ? t('sync.previewing') : dirty ? t('sync.previewSaved') : t('sync.preview')}
            </button>
            <button type="button" className="primary" onClick={() => void runNow()} disabled={running} title={dirty ? t('sync.usesSavedHint') : undefined} data-testid="run-button">
              {running ? t('sync.running') : dirty ? t('sync.runNowSaved') : t('sync.runNow')}
            </button>
          </>
        }
      >
        {sync.description && <div className="muted">{sync.description}</div>}
      </DetailHead>

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

      {(preview.result !== null || preview.error !== null) && (
        <section className="card" data-testid="preview-result">
          <h2>{t('sync.previewTitle')}</h2>
          <ErrorBox error={preview.error} />
          {preview.result && (
            <>
              <div className="stats">
                {(['read', 'added', 'changed', 'removed', 'unchanged', 'planned', 'invalid'] as const).map((k) => (
                  <div className="stat" key={k} data-testid={`count-${k}`}>
                    <div className="stat-value">{preview.result?.counts[k] ?? 0}</div>
                    <div className="stat-label">{t(`plan.${k}`)}</div>
                  </div>
                ))}
              </div>
              <h3>{t('sync.operations')}</h3>
              <table className="table compact">
                <tbody>
                  {Object.entries(preview.result.operations).map(([op, n]) => (
                    <tr key={op} data-testid={`operation-${op}`}>
                      <td>
                        <code>{op}</code>
                      </td>
                      <td className="num">{n}</td>
                    </tr>
                  ))}
                  {Object.keys(preview.result.operations).length === 0 && (
                    <tr>
                      <td className="muted">{t('sync.nothingToSend')}</td>
                    </tr>
                  )}
                </tbody>
              </table>
              {preview.result.invalid.length > 0 && (
                <>
                  <h3>{t('sync.invalidRows')}</h3>
                  <ul className="sample-errors">
                    {preview.result.invalid.map((r, i) => (
                      <li key={i}>
                        <code>{r.key}</code> {r.error}
                      </li>
                    ))}
                  </ul>
                </>
              )}
              <h3>{t('sync.firstRequests')}</h3>
              {preview.result.requests.map((r, i) => (
                <div key={i} className="rendered">
                  <div className="muted small">
                    <code>{r.operation}</code> {r.keys.join(', ')}
                  </div>
                  {r.error && <div className="error-box">{r.error}</div>}
                  <pre className="code" data-testid="preview-request">{r.text}</pre>
                </div>
              ))}
            </>
          )}
        </section>
      )}

      <div className="two-columns">
        <SyncEndCard title={t('sync.source')} end={from} after={from.sql !== undefined && <pre className="code" data-testid="source-sql">{from.sql}</pre>}>
          <CodeFact label={t('sync.table')} value={from.table} />
          <CodeFact label={t('sync.stream')} value={from.stream} />
        </SyncEndCard>
        <SyncEndCard title={t('sync.destination')} end={to}>
          <CodeFact label={t('sync.endpoint')} value={to.endpoint} />
          {to.endpoints !== undefined &&
            Object.entries(to.endpoints).map(([op, ep]) => (
              <div key={op} className="fact-pair">
                <CodeFact label={op} value={ep} />
              </div>
            ))}
          <CodeFact label={t('sync.table')} value={to.table} />
        </SyncEndCard>
      </div>

      <section className="card">
        <h2>{t('sync.sample')}</h2>
        <ErrorBox error={sample.error} />
        {sample.loading && !sample.data && <p className="muted">{t('common.loading')}</p>}
        {sample.data && (
          <div className="scroll-x">
            <table className="table compact" data-testid="sample-table">
              <thead>
                <tr>
                  {sample.data.columns.map((c) => (
                    <th key={columnName(c)}>
                      {columnName(c)}
                      {typeof c !== 'string' && c.type && <span className="muted small"> {c.type}</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {sample.data.rows.map((row, i) => (
                  <tr key={i}>
                    {sample.data?.columns.map((c) => <td key={columnName(c)}>{cell(row[columnName(c)])}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card">
        <div className="card-head">
          <h2>{t('sync.settings')}</h2>
          <div className="actions">
            <UnsavedMarker dirty={dirty} />
            <button type="button" className="primary small" onClick={() => void save()} disabled={saveState.saving} aria-keyshortcuts="Control+S Meta+S">
              {saveState.saving ? t('common.saving') : t('common.save')}
            </button>
          </div>
        </div>
        {dirty && <p className="muted small" data-testid="uses-saved">{t('sync.usesSavedHint')}</p>}
        <ErrorBox error={saveState.error} testId="save-error" />
        {saveState.saved && !dirty && <div className="notice" role="status" data-testid="saved">{t('sync.saved')}</div>}
        <div className="grid">
          <SelectField label={t('syncs.mode')} name="mode" value={sync.mode} options={syncModes} onChange={(v) => edit('mode', v)} />
          <label className="field">
            <span>{t('sync.key')}</span>
            <input name="key" value={keyText} onChange={(e) => setKey(e.target.value)} placeholder="id" />
          </label>
          <label className="field">
            <span>{t('syncs.schedule')}</span>
            <input name="schedule" value={sync.schedule ?? ''} onChange={(e) => edit('schedule', e.target.value)} placeholder="0 9 * * *" />
          </label>
        </div>
        <div className="field wide">
          <span>{t('sync.mapping')}</span>
          <KeyValueEditor
            value={sync.mapping}
            onChange={(v) => edit('mapping', v)}
            keyLabel={t('sync.mappingDestination')}
            valueLabel={t('sync.mappingSource')}
            testId="mapping"
          />
        </div>
      </section>

      <SyncHistoryChart name={props.name} after={runs.data} />
      <section className="card">
        <h2>{t('sync.recentRuns')}</h2>
        <ErrorBox error={runs.error} />
        {runs.data && <RunsTable runs={runs.data} />}
      </section>
    </div>
  );
}

/** One line of a sync's facts whose value is code (a table, a stream, an endpoint); nothing when it is unset. */
function CodeFact(props: { label: string; value: string | undefined }) {
  if (props.value === undefined) return null;
  return (
    <>
      <dt>{props.label}</dt>
      <dd>
        <code>{props.value}</code>
      </dd>
    </>
  );
}

/** A sync's source or destination: its connection (a link), its other facts, and what follows them (the SQL). */
function SyncEndCard(props: { title: string; end: SyncEnd; children: ReactNode; after?: ReactNode }) {
  const { t } = useI18n();
  return (
    <section className="card">
      <h2>{props.title}</h2>
      <dl className="facts">
        <dt>{t('sync.connection')}</dt>
        <dd>
          <AppLink to={`/connections/${encodeURIComponent(props.end.connection)}`}>{props.end.connection}</AppLink>
        </dd>
        {props.children}
      </dl>
      {props.after}
    </section>
  );
}
