import type { RunRecord } from '../../../src/api/runs.js';
import { formatDuration } from '../format-duration.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';
import { AppLink } from './app-link.js';
import { StatusBadge } from './status-badge.js';

const duration = (r: RunRecord) => (r.finishedAt ? new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime() : null);

/** Runs newest first: status, what ran, when, how long, and the counts. */
export function RunsTable(props: { runs: RunRecord[]; showName?: boolean }) {
  const { t, lang } = useI18n();
  return (
    <table className="table" data-testid="runs-table">
      <thead>
        <tr>
          <th>{t('runs.run')}</th>
          {props.showName && <th>{t('runs.name')}</th>}
          <th>{t('runs.kind')}</th>
          <th>{t('runs.status')}</th>
          <th>{t('runs.started')}</th>
          <th>{t('runs.duration')}</th>
          <th className="num">{t('runs.planned')}</th>
          <th className="num">{t('runs.delivered')}</th>
          <th className="num">{t('runs.failed')}</th>
          <th>{t('runs.trigger')}</th>
        </tr>
      </thead>
      <tbody>
        {props.runs.length === 0 && (
          <tr>
            <td colSpan={props.showName ? 10 : 9} className="muted">
              {t('runs.empty')}
            </td>
          </tr>
        )}
        {props.runs.map((r) => (
          <tr key={r.id} data-testid={`run-${r.id}`}>
            <td>
              <AppLink to={`/runs/${encodeURIComponent(r.id)}`}>
                <code className="small">{r.id}</code>
              </AppLink>
            </td>
            {props.showName && <td>{r.name}</td>}
            <td>{t(`runs.kind.${r.kind}`)}</td>
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td className="nowrap">{formatTime(r.startedAt, lang)}</td>
            <td className="nowrap">{r.status === 'running' ? '…' : formatDuration(duration(r))}</td>
            <td className="num">{r.counts?.planned ?? ''}</td>
            <td className="num">{r.counts?.delivered ?? ''}</td>
            <td className={r.counts?.failed ? 'num error-text' : 'num'}>{r.counts?.failed ?? ''}</td>
            <td className="muted small">{r.trigger}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
