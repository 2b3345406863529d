import { useEffect, useState } from 'react';
import type { PipelineSummary } from '../../../src/api/pipelines.js';
import type { RunStarted } from '../../../src/api/runs.js';
import { api } from '../api-client.js';
import { AppLink } from '../components/app-link.js';
import { DetailHead } from '../components/detail-head.js';
import { ErrorBox } from '../components/error-box.js';
import { RunsTable } from '../components/runs-table.js';
import { formatTime } from '../format-time.js';
import { useRunsPages } from '../history/use-runs-pages.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { useApi } from '../use-api.js';

/** A step as the API lists it: a sync's name links to the sync; an SQL step is shown as written. */
function Step(props: { step: string; syncs: Set<string> }) {
  if (props.syncs.has(props.step)) return <AppLink to={`/syncs/${encodeURIComponent(props.step)}`}>{props.step}</AppLink>;
  return <code>{props.step}</code>;
}

/** One pipeline: its steps, schedule and next run, Run now, and its run history a page at a time. */
export function PipelinePage(props: { name: string }) {
  const { t, lang } = useI18n();
  const list = useApi<PipelineSummary[]>('/api/pipelines');
  const syncs = useApi<{ name: string }[]>('/api/syncs');
  const history = useRunsPages(`name=${encodeURIComponent(props.name)}&kind=pipeline&limit=20`);
  const [starting, setStarting] = useState(false);
  const [runError, setRunError] = useState<unknown>(null);
  const pipeline = list.data?.find((p) => p.name === props.name);
  const running = pipeline?.runningRunId ?? null;

  // While a run goes on, the history is read again every few seconds, so its end shows.
  const reload = history.reload;
  useEffect(() => {
    if (!history.runs?.some((r) => r.status === 'running' || r.status === 'queued')) return;
    const timer = setInterval(() => void reload(), 2000);
    return () => clearInterval(timer);
  }, [history.runs, reload]);

  const run = async () => {
    setStarting(true);
    setRunError(null);
    try {
      const { runId } = await api<RunStarted>(`/api/pipelines/${encodeURIComponent(props.name)}/runs`, { method: 'POST', body: {} });
      navigate(`/runs/${encodeURIComponent(runId)}`);
    } catch (e) {
      setRunError(e);
    } finally {
      setStarting(false);
    }
  };

  if (list.error) return <div className="page"><ErrorBox error={list.error} /></div>;
  if (!list.data) return <div className="page muted">{t('common.loading')}</div>;
  if (!pipeline) return <div className="page"><ErrorBox error={`no pipeline "${props.name}"`} /></div>;
  const syncNames = new Set((syncs.data ?? []).map((s) => s.name));

  return (
    <div className="page">
      <DetailHead
        back={{ to: '/pipelines', label: t('pipelines.title') }}
        title={pipeline.name}
        actions={
          <button type="button" className="primary" onClick={() => void run()} disabled={starting || running !== null}>
            {starting ? t('pipelines.starting') : t('pipelines.run')}
          </button>
        }
      >
        {pipeline.description && <div className="muted">{pipeline.description}</div>}
      </DetailHead>
      <ErrorBox error={runError} />
      <section className="card">
        <dl className="facts">
          <dt>{t('pipelines.schedule')}</dt>
          <dd>{pipeline.schedule ? <code>{pipeline.schedule}</code> : <span className="muted">{t('pipelines.manual')}</span>}</dd>
          <dt>{t('pipelines.nextRun')}</dt>
          <dd>{formatTime(pipeline.nextRunAt, lang)}</dd>
        </dl>
        <h2>{t('pipelines.steps')}</h2>
        <ol className="steps" data-testid="pipeline-steps">
          {pipeline.steps.map((s, i) => (
            <li key={i}>
              <Step step={s} syncs={syncNames} />
            </li>
          ))}
        </ol>
      </section>
      <section className="card">
        <h2>{t('pipelines.history')}</h2>
        <ErrorBox error={history.error} />
        {history.runs && <RunsTable runs={history.runs} />}
        {history.hasMore && (
          <div className="list-foot">
            <button type="button" onClick={() => void history.loadMore()} disabled={history.loadingMore}>
              {history.loadingMore ? t('runs.loadingMore') : t('runs.loadMore')}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
