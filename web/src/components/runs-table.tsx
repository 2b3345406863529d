import type { RunRecord } from '../../../src/api/runs.js';
import { formatDuration } from '../format-duration.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';
import { AppLink } from './app-link.js';
import { StatusBadge } from './status-badge.js';

const duration = (r: RunRecord) => (r.finishedAt ? new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime() : null);

/** Runs newest first: status, what ran, when, how long, and the counts. On a phone each run is a card (styles.css). */
export function RunsTable(props: { runs: RunRecord[]; showName?: boolean; empty?: string }) {
  const { t, lang } = useI18n();
  const headings = [
    t('runs.run'),
    ...(props.showName ? [t('runs.name')] : []),
    t('runs.kind'),
    t('runs.status'),
    t('runs.started'),
    t('runs.duration'),
    t('runs.planned'),
    t('runs.delivered'),
    t('runs.failed'),
    t('runs.invalid'),
    t('runs.trigger'),
  ];
  let column = 0;
  // Each cell carries its column's heading, which a phone's card shows beside the value.
  const label = () => headings[column++];
  return (
    <table className="table cards" data-testid="runs-table">
      <thead>
        <tr>
          {headings.map((h, i) => (
            <th key={i} scope="col" className={i >= headings.length - 5 && i < headings.length - 1 ? 'num' : undefined}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.runs.length === 0 && (
          <tr>
            <td colSpan={headings.length} className="muted">
              {props.empty ?? t('runs.empty')}
            </td>
          </tr>
        )}
        {props.runs.map((r) => {
          column = 0;
          return (
            <tr key={r.id} data-testid={`run-${r.id}`}>
              <td data-label={label()}>
                <AppLink to={`/runs/${encodeURIComponent(r.id)}`}>
                  <code className="small">{r.id}</code>
                </AppLink>
              </td>
              {props.showName && <td data-label={label()}>{r.name}</td>}
              <td data-label={label()}>{t(`runs.kind.${r.kind}`)}</td>
              <td data-label={label()}>
                <StatusBadge status={r.status} run={r} />
              </td>
              <td data-label={label()} className="nowrap">{formatTime(r.startedAt, lang)}</td>
              <td data-label={label()} className="nowrap">{r.status === 'running' ? '…' : formatDuration(duration(r))}</td>
              <td data-label={label()} className="num">{r.counts?.planned ?? ''}</td>
              <td data-label={label()} className="num">{r.counts?.delivered ?? ''}</td>
              <td data-label={label()} className={r.counts?.failed ? 'num error-text' : 'num'}>{r.counts?.failed ?? ''}</td>
              <td data-label={label()} className={r.counts?.invalid ? 'num error-text' : 'num'}>{r.counts?.invalid ?? ''}</td>
              <td data-label={label()} className="muted small">{r.trigger}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
