import type { PipelineSummary } from '../../../src/api/pipelines.js';
import { AppLink } from '../components/app-link.js';
import { ListPage } from '../components/list-page.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';
import { useApi } from '../use-api.js';

/** Every pipeline: its steps in order, schedule, next run and how the last run went. */
export function PipelinesPage() {
  const { t, lang } = useI18n();
  const { data, error, loading } = useApi<PipelineSummary[]>('/api/pipelines');
  return (
    <ListPage
      title={t('pipelines.title')}
      data={data}
      error={error}
      loading={loading}
      columns={[t('common.name'), t('pipelines.steps'), t('pipelines.schedule'), t('pipelines.nextRun'), t('pipelines.lastRun')]}
      empty={t('pipelines.empty')}
      row={(p) => (
        <tr key={p.name} data-testid={`pipeline-${p.name}`}>
          <td>
            <AppLink to={`/pipelines/${encodeURIComponent(p.name)}`}>{p.name}</AppLink>
          </td>
          <td>
            <ol className="steps-inline">
              {p.steps.map((s, i) => (
                <li key={i}>
                  <code>{s}</code>
                </li>
              ))}
            </ol>
          </td>
          <td>{p.schedule ? <code>{p.schedule}</code> : <span className="muted">{t('pipelines.manual')}</span>}</td>
          <td>{formatTime(p.nextRunAt, lang)}</td>
          <td>
            {p.lastRun ? (
              <AppLink to={`/runs/${encodeURIComponent(p.lastRun.id)}`}>
                <StatusBadge status={p.lastRun.status} run={p.lastRun} /> <span className="muted small">{formatTime(p.lastRun.startedAt, lang)}</span>
              </AppLink>
            ) : (
              <span className="muted">{t('pipelines.never')}</span>
            )}
          </td>
        </tr>
      )}
    />
  );
}
