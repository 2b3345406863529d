import { useState } from 'react';
import type { ScheduleSummary } from '../../../src/api/schedules.js';
import { api } from '../api-client.js';
import { AppLink } from '../components/app-link.js';
import { ListPage } from '../components/list-page.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';
import { useApi } from '../use-api.js';
import { runTimeIn } from './sync-wizard/describe-cron.js';

const itemPath = (s: ScheduleSummary) => `/${s.kind === 'sync' ? 'syncs' : 'pipelines'}/${encodeURIComponent(s.name)}`;

/** Every scheduled sync and pipeline: cron, zone, next runs, paused or not (with Pause and Resume), last run. */
export function SchedulesPage() {
  const { t, lang } = useI18n();
  const { data, error, loading, reload } = useApi<ScheduleSummary[]>('/api/schedules');
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const toggle = async (s: ScheduleSummary) => {
    const id = `${s.kind}:${s.name}`;
    setBusy(id);
    setActionError(null);
    try {
      await api(`/api/schedules/${s.kind}/${encodeURIComponent(s.name)}/${s.pausedAt ? 'resume' : 'pause'}`, { method: 'POST' });
      await reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <ListPage
        title={t('schedules.title')}
        data={data}
        error={error ?? actionError}
        loading={loading}
        columns={[t('schedules.name'), t('schedules.kind'), t('schedules.cron'), t('schedules.zone'), t('schedules.next'), t('schedules.state'), t('schedules.lastRun'), t('common.actions')]}
        empty={t('schedules.empty')}
        intro={<p className="muted small">{t('schedules.help')}</p>}
        row={(s) => (
          <tr key={`${s.kind}:${s.name}`} data-testid={`schedule-${s.kind}-${s.name}`}>
            <td>
              <AppLink to={itemPath(s)}>{s.name}</AppLink>
            </td>
            <td>{t(`runs.kind.${s.kind}`)}</td>
            <td>
              <code>{s.schedule}</code>
            </td>
            <td className="small">{s.timezone}</td>
            <td className={s.pausedAt ? 'muted small' : 'small'}>
              {s.pausedAt && <span>{t('schedules.wouldRun')}: </span>}
              {/* On the schedule's own clock, beside its zone: "30 8 * * 1-5" in Tokyo runs at 08:30. */}
              <span data-testid="schedule-next">{s.nextRuns.map((at) => runTimeIn(at, s.timezone, lang)).join(' · ') || '—'}</span>
            </td>
            <td>
              {s.pausedAt ? (
                <span className="badge badge-cancelled">{t('schedules.paused', { time: formatTime(s.pausedAt, lang) })}</span>
              ) : (
                <span className="badge badge-succeeded">{t('schedules.active')}</span>
              )}
            </td>
            <td>
              {s.lastRun ? (
                <AppLink to={`/runs/${encodeURIComponent(s.lastRun.id)}`}>
                  <StatusBadge status={s.lastRun.status} run={s.lastRun} />
                </AppLink>
              ) : (
                <span className="muted">{t('pipelines.never')}</span>
              )}
            </td>
            <td>
              <button
                type="button"
                className="small"
                onClick={() => void toggle(s)}
                disabled={busy === `${s.kind}:${s.name}`}
                aria-label={`${s.pausedAt ? t('schedules.resume') : t('schedules.pause')} ${s.name}`}
              >
                {s.pausedAt ? t('schedules.resume') : t('schedules.pause')}
              </button>
            </td>
          </tr>
        )}
      />
  );
}
