import type { SyncSummary } from '../../../src/api/syncs.js';
import { AppLink } from '../components/app-link.js';
import { ListPage } from '../components/list-page.js';
import { StatusBadge } from '../components/status-badge.js';
import { describeSyncEnd } from '../describe-sync-end.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';
import { useApi } from '../use-api.js';

/** Every sync: from, to, mode, schedule, next run and how the last run went. */
export function SyncsPage() {
  const { t, lang } = useI18n();
  const { data, error, loading } = useApi<SyncSummary[]>('/api/syncs');
  return (
    <ListPage
      title={t('nav.syncs')}
      create={{ label: t('wizard.new'), to: '/syncs/new' }}
      data={data}
      error={error}
      loading={loading}
      columns={[t('common.name'), t('syncs.from'), t('syncs.to'), t('syncs.mode'), t('syncs.schedule'), t('syncs.nextRun'), t('syncs.lastRun')]}
      empty={t('syncs.empty')}
      remove={{ kind: 'syncs', name: (s) => s.name }}
      row={(s) => (
        <tr key={s.name} data-testid={`sync-${s.name}`}>
          <td>
            <AppLink to={`/syncs/${encodeURIComponent(s.name)}`}>{s.name}</AppLink>
          </td>
          <td>{describeSyncEnd(s.from)}</td>
          <td>{describeSyncEnd(s.to)}</td>
          <td>
            <code>{s.mode}</code>
          </td>
          <td>{s.schedule ? <code>{s.schedule}</code> : <span className="muted">{t('syncs.manual')}</span>}</td>
          <td>{formatTime(s.nextRunAt, lang)}</td>
          <td>
            {s.lastRun ? (
              <AppLink to={`/runs/${encodeURIComponent(s.lastRun.id)}`}>
                <StatusBadge status={s.lastRun.status} run={s.lastRun} /> <span className="muted small">{formatTime(s.lastRun.startedAt, lang)}</span>
              </AppLink>
            ) : (
              <span className="muted">{t('syncs.never')}</span>
            )}
          </td>
        </tr>
      )}
    />
  );
}
