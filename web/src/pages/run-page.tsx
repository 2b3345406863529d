import { useCallback, useEffect, useState } from 'react';
import { api } from '../api-client.js';
import type { RejectedRow, RunDetail } from '../../../src/api/runs.js';
import { AppLink } from '../components/app-link.js';
import { DetailHead } from '../components/detail-head.js';
import { ErrorBox } from '../components/error-box.js';
import { RunProgressView } from '../components/run-progress-view.js';
import { SampleErrors } from '../components/sample-errors.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration } from '../format-duration.js';
import { formatTime } from '../format-time.js';
import { RejectedRowsTable } from '../history/rejected-rows-table.js';
import { RunErrorBox } from '../history/run-error-box.js';
import { shownStatus } from '../history/shown-status.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';
import { useRunEvents } from '../use-run-events.js';

const COUNT_KEYS = ['planned', 'added', 'changed', 'removed', 'unchanged', 'delivered', 'failed', 'invalid'] as const;

/** One run: status, counts, live progress while it runs, its rejected rows (error + redacted request), retry. */
export function RunPage(props: { id: string }) {
  const { t, lang } = useI18n();
  const base = `/api/runs/${encodeURIComponent(props.id)}`;
  const [run, setRun] = useState<RunDetail | null>(null);
  const [rejected, setRejected] = useState<RejectedRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [retryError, setRetryError] = useState<unknown>(null);
  const [retrying, setRetrying] = useState(false);
  const [cancelling, setCancelling] = useState(false);

  const load = useCallback(async () => {
    try {
      const [r, rows] = await Promise.all([api<RunDetail>(base), api<RejectedRow[]>(`${base}/rejected`)]);
      setRun(r);
      setRejected(rows);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [base]);

  useEffect(() => {
    void load();
  }, [load]);
  useLoadAgainWhenBack(error, () => void load());

  const active = run?.status === 'running' || run?.status === 'queued';
  const live = useRunEvents(active ? props.id : null);
  useEffect(() => {
    if (live.summary) void load();
  }, [live.summary, load]);

  const retry = async () => {
    if (!run) return;
    setRetrying(true);
    setRetryError(null);
    try {
      const { runId } = await api<{ runId: string }>(`/api/syncs/${encodeURIComponent(run.name)}/rejected/retry`, { method: 'POST', body: {} });
      navigate(`/runs/${encodeURIComponent(runId)}`);
    } catch (e) {
      setRetryError(e);
    } finally {
      setRetrying(false);
    }
  };

  const cancel = async () => {
    if (!window.confirm(t('run.cancelAsk'))) return;
    setCancelling(true);
    setRetryError(null);
    try {
      await api(`${base}/cancel`, { method: 'POST' });
    } catch (e) {
      setRetryError(e);
      setCancelling(false);
    }
  };
  useEffect(() => {
    if (!active) setCancelling(false);
  }, [active]);

  if (error) return <div className="page"><ErrorBox error={error} /></div>;
  if (!run) return <div className="page muted">{t('common.loading')}</div>;

  const durationMs = run.finishedAt ? new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime() : null;
  const summary = run.summary ?? null;
  const syncLink = run.kind === 'pipeline' ? null : `/syncs/${encodeURIComponent(run.name)}`;

  return (
    <div className="page">
      <DetailHead
        back={{ to: '/runs', label: t('nav.runs') }}
        title={
          <>
            <code>{run.id}</code> <StatusBadge status={run.status} run={run} />
          </>
        }
        actions={
          <>
            {active && run.kind !== 'retry' && (
              <button type="button" className="danger" onClick={() => void cancel()} disabled={cancelling} data-testid="cancel-run">
                {cancelling ? t('run.cancelling') : t('run.cancel')}
              </button>
            )}
            {run.kind !== 'pipeline' && (
              <button type="button" className="primary" onClick={() => void retry()} disabled={retrying || !rejected || rejected.length === 0 || active}>
                {retrying ? t('run.retrying') : t('run.retry')}
              </button>
            )}
          </>
        }
      >
        <div className="muted">
          {t(`runs.kind.${run.kind}`)}: {syncLink ? <AppLink to={syncLink}>{run.name}</AppLink> : run.name} · {t('runs.trigger')} {run.trigger}
        </div>
        {(run.retryOf || (run.retries && run.retries.length > 0)) && (
          <div className="run-links" data-testid="retry-links">
            {run.retryOf && (
              <span>
                {t('run.retryOf')} <AppLink to={`/runs/${encodeURIComponent(run.retryOf)}`}><code className="small">{run.retryOf}</code></AppLink>
              </span>
            )}
            {run.retries && run.retries.length > 0 && (
              <span>
                {t('run.retriedBy')}{' '}
                {run.retries.map((id, i) => (
                  <span key={id}>
                    {i > 0 && ', '}
                    <AppLink to={`/runs/${encodeURIComponent(id)}`}><code className="small">{id}</code></AppLink>
                  </span>
                ))}
              </span>
            )}
          </div>
        )}
      </DetailHead>
      <ErrorBox error={retryError} testId="retry-error" />

      <section className="card">
        <dl className="facts inline">
          <dt>{t('runs.started')}</dt>
          <dd>{formatTime(run.startedAt, lang)}</dd>
          <dt>{t('run.finished')}</dt>
          <dd>{formatTime(run.finishedAt, lang)}</dd>
          <dt>{t('runs.duration')}</dt>
          <dd>{formatDuration(durationMs)}</dd>
        </dl>
        <div className="stats">
          {COUNT_KEYS.map((k) => (
            <div className={(k === 'failed' || k === 'invalid') && run.counts[k] > 0 ? 'stat stat-bad' : 'stat'} key={k} data-testid={`count-${k}`}>
              <div className="stat-value">{run.counts[k]}</div>
              <div className="stat-label">{t(`runs.${k}` as 'runs.planned')}</div>
            </div>
          ))}
        </div>
        {shownStatus(run) === 'partial' && (
          <div className="notice notice-warn" data-testid="partial-note">
            {t('run.partialNote', { delivered: run.counts.delivered, total: run.counts.delivered + run.counts.failed + run.counts.invalid, bad: run.counts.failed + run.counts.invalid })}
          </div>
        )}
        <RunErrorBox run={run} />
        {active && <RunProgressView progress={live.progress ?? run.progress ?? null} summary={live.summary} />}
        {summary?.error && !run.error && <RunErrorBox run={summary} />}
        {/* The rejected rows below list every failed row with its error: the summary's sample would say it all again. */}
        {!active && rejected?.length === 0 && <SampleErrors errors={summary?.sampleErrors} runError={run.error ?? summary?.error} />}
      </section>

      <section className="card" data-testid="rejected">
        <h2>
          {t('run.rejected')} <span className="muted">({rejected?.length ?? 0})</span>
        </h2>
        {rejected && rejected.length === 0 && <p className="muted">{t('run.noRejected')}</p>}
        {rejected && rejected.length > 0 && <RejectedRowsTable sync={run.name} rows={rejected} />}
      </section>
    </div>
  );
}
