import { useMemo } from 'react';
import { useI18n } from '../../i18n.js';
import { describeCron, nextRuns, runTimeIn, timeZones } from './describe-cron.js';
import { withKey, type StepProps } from './sync-draft.js';

type Limit = number | string | undefined;
const limitText = (v: Limit) => (v === undefined ? '' : String(v));
// A count stays a number in sluice.yaml; a percentage (or anything else, which the server then names) stays text.
const limitValue = (text: string): Limit => (text.trim() === '' ? undefined : /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim());

/**
 * When the sync runs: a cron expression with its meaning in words and its next times in the chosen time zone, and a
 * pause; then when failed and invalid rows fail the run (on_error).
 */
export function ScheduleStep(props: StepProps & { paused: boolean; onPaused?: (paused: boolean) => void }) {
  const { t, lang } = useI18n();
  const { draft, onChange } = props;
  const sync = draft.sync;
  const set = (key: string, value: unknown) => onChange({ ...draft, sync: withKey(sync, key, value) });
  const zones = useMemo(timeZones, []);
  const schedule = (sync.schedule ?? '').trim();
  const zone = typeof sync.timezone === 'string' ? sync.timezone : undefined;
  const next = schedule === '' ? null : nextRuns(schedule, zone);
  const onError = (sync.on_error ?? {}) as { max_failed_rows?: Limit; max_invalid_rows?: Limit };
  const setOnError = (key: 'max_failed_rows' | 'max_invalid_rows', text: string) => {
    const value = { ...onError, [key]: limitValue(text) };
    if (value[key] === undefined) delete value[key];
    set('on_error', Object.keys(value).length === 0 ? undefined : value);
  };
  const timeIn = (d: Date) => runTimeIn(d, zone, lang);

  return (
    <div className="wizard-step" data-testid="schedule-step">
      <div className="grid">
        <label className="field">
          <span>{t('schedule.cron')}</span>
          <input name="schedule" value={sync.schedule ?? ''} onChange={(e) => set('schedule', e.target.value)} placeholder="0 9 * * *" />
          <span className="muted small">{t('schedule.manual')}</span>
        </label>
        <label className="field">
          <span>{t('schedule.timezone')}</span>
          <select name="timezone" value={zone ?? ''} onChange={(e) => set('timezone', e.target.value || undefined)}>
            <option value="">{t('schedule.serverZone', { zone: 'SLUICE_TIMEZONE / UTC' })}</option>
            {zone !== undefined && !zones.includes(zone) && <option value={zone}>{zone}</option>}
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </label>
        {/* A pause holds a schedule: without one there is nothing to pause. */}
        {props.onPaused && schedule !== '' && (
          <label className="field checkbox-field">
            <span>{t('schedule.paused')}</span>
            <input type="checkbox" name="paused" checked={props.paused} onChange={(e) => props.onPaused?.(e.target.checked)} />
          </label>
        )}
      </div>
      {next && 'error' in next && (
        <p className="error-text small" data-testid="schedule-invalid">
          {t('schedule.invalid', { error: next.error })}
        </p>
      )}
      {next && 'times' in next && (
        <div className="schedule-meaning" data-testid="schedule-meaning">
          <strong data-testid="schedule-words">
            {describeCron(schedule, t, lang)} {zone && t('schedule.inZone', { zone })}
          </strong>
          <div className="muted small">
            {t('schedule.next')}:{' '}
            <span data-testid="schedule-next">{next.times.map(timeIn).join(' · ')}</span>
          </div>
        </div>
      )}

      <h3>{t('errors.title')}</h3>
      <div className="grid">
        <label className="field">
          <span>{t('errors.maxFailed')}</span>
          <input name="max_failed_rows" value={limitText(onError.max_failed_rows)} onChange={(e) => setOnError('max_failed_rows', e.target.value)} placeholder="0" />
        </label>
        <label className="field">
          <span>{t('errors.maxInvalid')}</span>
          <input name="max_invalid_rows" value={limitText(onError.max_invalid_rows)} onChange={(e) => setOnError('max_invalid_rows', e.target.value)} placeholder="0" />
        </label>
      </div>
      <p className="muted small">{t('errors.help')}</p>
    </div>
  );
}
