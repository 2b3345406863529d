import { useEffect } from 'react';
import type { NotificationAttempt, SyncNotifications } from '../../../../src/api/notifications.js';
import { AppLink } from '../../components/app-link.js';
import { ErrorBox } from '../../components/error-box.js';
import { formatTime } from '../../format-time.js';
import { useI18n } from '../../i18n.js';
import { useApi } from '../../use-api.js';

/** How many of the sync's last runs the card lists the notifications of. */
const RUNS = 10;

const BADGE: Record<NotificationAttempt['status'], string> = { delivered: 'badge-succeeded', retrying: 'badge-running', failed: 'badge-failed' };

/** The last attempt at each target of each run, newest run first (the attempts before it only count). */
function lastAttempts(answer: SyncNotifications): NotificationAttempt[] {
  const last = new Map<string, NotificationAttempt>();
  for (const n of answer.notifications) last.set(`${n.runId}\n${n.target}`, n);
  const order = new Map(answer.runs.map((r, i) => [r.id, i]));
  return [...last.values()].sort((a, b) => (order.get(a.runId) ?? 0) - (order.get(b.runId) ?? 0));
}

/**
 * The notifications of the sync's last runs: for each run and target, the conditions the run met, how it ended
 * (delivered, retrying, failed), after how many attempts, the HTTP status and the error. Loaded again when `reloadKey`
 * changes (a run the page follows ended).
 */
export function SyncNotificationsView(props: { name: string; reloadKey: unknown }) {
  const { t, lang } = useI18n();
  const answer = useApi<SyncNotifications>(`/api/syncs/${encodeURIComponent(props.name)}/notifications?runs=${RUNS}`);
  const reload = answer.reload;
  useEffect(() => {
    if (props.reloadKey) void reload();
  }, [props.reloadKey, reload]);
  const rows = answer.data ? lastAttempts(answer.data) : [];
  const headings = [t('notifications.run'), t('notifications.target'), t('notifications.conditions'), t('notifications.status'), t('notifications.attempts'), t('notifications.httpStatus'), t('notifications.error'), t('notifications.at')];

  return (
    <section className="card" data-testid="sync-notifications">
      <div className="card-head">
        <h2>{t('notifications.title')}</h2>
        <div className="actions">
          <button type="button" className="small" onClick={() => void reload()} disabled={answer.loading} data-testid="notifications-refresh">
            {t('common.refresh')}
          </button>
        </div>
      </div>
      <ErrorBox error={answer.error} />
      {answer.data && rows.length === 0 && <p className="muted">{t('notifications.empty')}</p>}
      {rows.length > 0 && (
        <table className="table cards" data-testid="notifications-table">
          <thead>
            <tr>
              {headings.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((n) => (
              <tr key={`${n.runId} ${n.target}`} data-testid="notification">
                <td data-label={headings[0]}>
                  <AppLink to={`/runs/${encodeURIComponent(n.runId)}`}>
                    <code className="small">{n.runId}</code>
                  </AppLink>
                </td>
                <td data-label={headings[1]} data-testid="notification-target">
                  {n.target}
                </td>
                <td data-label={headings[2]} data-testid="notification-conditions">
                  {n.conditions}
                </td>
                <td data-label={headings[3]}>
                  <span className={`badge ${BADGE[n.status] ?? ''}`} data-testid="notification-status">
                    {t(`notifications.status.${n.status}`)}
                  </span>
                </td>
                <td data-label={headings[4]} className="num" data-testid="notification-attempts">
                  {n.attempt}
                </td>
                <td data-label={headings[5]} className="num" data-testid="notification-http-status">
                  {n.httpStatus ?? '—'}
                </td>
                <td data-label={headings[6]} className="error-text small" data-testid="notification-error">
                  {n.error ?? ''}
                </td>
                <td data-label={headings[7]}>{formatTime(n.at, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
