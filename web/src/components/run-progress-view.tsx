import type { RunOutcome, RunProgress } from '../../../src/api/runs.js';
import { formatDuration } from '../format-duration.js';
import { RunErrorBox } from '../history/run-error-box.js';
import { useI18n } from '../i18n.js';
import { SampleErrors } from './sample-errors.js';
import { StatusBadge } from './status-badge.js';

/** A live progress bar (planning, sending n of m, rate, ETA), and the summary once the run is done. */
export function RunProgressView(props: { progress: RunProgress | null; summary: RunOutcome | null }) {
  const { t } = useI18n();
  const { progress, summary } = props;
  if (summary) {
    const run = summary.run ?? null;
    const delivered = summary.delivered ?? run?.counts.delivered ?? 0;
    const failed = summary.failed ?? run?.counts.failed ?? 0;
    const durationMs = summary.durationMs ?? (run?.finishedAt ? new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime() : null);
    const error = summary.error ?? run?.error;
    return (
      <div className="run-summary" data-testid="run-summary">
        <div className="run-summary-head">
          <StatusBadge status={run?.status ?? (summary.error ? 'failed' : undefined)} run={run ?? undefined} />
          <span>{t('run.summaryLine', { delivered, failed, duration: formatDuration(durationMs) })}</span>
        </div>
        {summary.plan && (
          <div className="muted small">
            {t('run.planLine', {
              read: summary.plan.read,
              added: summary.plan.added,
              changed: summary.plan.changed,
              removed: summary.plan.removed,
              unchanged: summary.plan.unchanged,
            })}
          </div>
        )}
        {error && <RunErrorBox run={summary.error ? summary : run!} />}
        <SampleErrors errors={summary.sampleErrors} runError={error} />
      </div>
    );
  }
  const planned = progress?.planned ?? 0;
  const sent = progress?.sent ?? 0;
  const percent = planned > 0 ? Math.min(100, Math.round((sent / planned) * 100)) : 0;
  return (
    <div className="run-progress" data-testid="run-progress" data-phase={progress?.phase ?? 'starting'}>
      <div className="progress-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="progress-fill" style={{ width: `${progress?.phase === 'planning' || !progress ? 5 : percent}%` }} />
      </div>
      <div className="small">
        {!progress && t('run.phase.starting')}
        {progress?.phase === 'planning' && t('run.phase.planning')}
        {progress && progress.phase !== 'planning' &&
          t('run.progressLine', {
            sent,
            planned,
            delivered: progress.delivered,
            failed: progress.failed,
            rate: Math.round(progress.rate),
            eta: progress.etaSeconds === null ? '—' : formatDuration(progress.etaSeconds * 1000),
          })}
      </div>
    </div>
  );
}
