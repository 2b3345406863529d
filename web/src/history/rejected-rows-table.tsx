import { useMemo, useState } from 'react';
import type { SyncDebug } from '../../../src/api/debug.js';
import type { RejectedRow } from '../../../src/api/runs.js';
import { api } from '../api-client.js';
import { AppLink } from '../components/app-link.js';
import { syncDebugPath } from '../pages/sync-debug-page.js';
import { SearchBox } from '../components/search-box.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';

/** Rows refused for the same reason: the error is shown once, over its rows. */
interface Group {
  error: string;
  rows: RejectedRow[];
}

/** The rows grouped by error, most rows first (then by error text, so the order stays put as rows load). */
function groupByError(rows: RejectedRow[]): Group[] {
  const groups = new Map<string, RejectedRow[]>();
  for (const row of rows) groups.set(row.error, [...(groups.get(row.error) ?? []), row]);
  return [...groups.entries()].map(([error, list]) => ({ error, rows: list })).sort((a, b) => b.rows.length - a.rows.length || a.error.localeCompare(b.error));
}

/**
 * One rejected row's request, and on opening, its exchanges as the debugger kept them (request and response, status,
 * headers, body) when the sync keeps them.
 */
function RowDetail(props: { sync: string; row: RejectedRow }) {
  const { t } = useI18n();
  const [debug, setDebug] = useState<SyncDebug | null>(null);
  const [asked, setAsked] = useState(false);
  const open = () => {
    if (asked) return;
    setAsked(true);
    api<SyncDebug>(`/api/syncs/${encodeURIComponent(props.sync)}/debug?key=${encodeURIComponent(props.row.key)}&run=${encodeURIComponent(props.row.runId)}`).then(
      setDebug,
      () => setDebug(null),
    );
  };
  const exchange = debug?.exchanges[0];
  return (
    <details onToggle={(e) => (e.currentTarget.open ? open() : undefined)} data-testid="rejected-detail">
      <summary>{t('run.show')}</summary>
      <div className="two-columns">
        <div>
          <h4>{t('run.row')}</h4>
          <pre className="code small">{JSON.stringify(props.row.row, null, 2)}</pre>
        </div>
        <div>
          <h4>{t('run.request')}</h4>
          <pre className="code small">{props.row.request ?? '—'}</pre>
          {exchange && (
            <>
              <h4>{t('run.response')}</h4>
              <pre className="code small" data-testid="rejected-response">
                {[`HTTP ${exchange.status ?? '—'}`, ...Object.entries(exchange.responseHeaders).map(([k, v]) => `${k}: ${v}`), '', exchange.responseBody ?? ''].join('\n')}
              </pre>
            </>
          )}
        </div>
      </div>
    </details>
  );
}

/** A run's rejected rows as a table grouped by error, searchable (key, error, row values), each row opening its detail. */
export function RejectedRowsTable(props: { sync: string; rows: RejectedRow[] }) {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const match = (r: RejectedRow) => {
      const text = `${r.key} ${r.error} ${r.operation} ${JSON.stringify(r.row)}`.toLowerCase();
      return words.every((w) => text.includes(w));
    };
    return groupByError(props.rows.filter(match));
  }, [props.rows, query]);

  return (
    <>
      <SearchBox value={query} onChange={setQuery} label={t('run.searchRejected')} placeholder={t('run.searchRejectedPlaceholder')} testId="rejected-search" />
      {groups.length === 0 && <p className="muted">{t('run.noMatch')}</p>}
      {groups.length > 0 && (
        <table className="table cards rejected-table">
          <thead>
            <tr>
              <th scope="col">{t('run.key')}</th>
              <th scope="col">{t('run.kind')}</th>
              <th scope="col">{t('run.operation')}</th>
              <th scope="col">{t('run.when')}</th>
              <th scope="col">{t('run.request')}</th>
            </tr>
          </thead>
          {groups.map((g) => (
            <tbody key={g.error} data-testid="rejected-group">
              <tr className="group-head">
                <th colSpan={5} scope="rowgroup">
                  <span className="error-text" data-testid="rejected-error">
                    {g.error}
                  </span>{' '}
                  <span className="badge">{g.rows.length === 1 ? t('run.groupCountOne') : t('run.groupCount', { count: g.rows.length })}</span>
                </th>
              </tr>
              {g.rows.map((r, i) => (
                <tr key={`${r.key}-${i}`} data-testid="rejected-row">
                  <td data-label={t('run.key')}>
                    <code>{r.key}</code>{' '}
                    {r.kind !== 'invalid' && (
                      <AppLink to={syncDebugPath(props.sync, r.key, r.runId)} className="small" testId="rejected-debug-link">
                        {t('debug.openRow')}
                      </AppLink>
                    )}
                  </td>
                  <td data-label={t('run.kind')}>{r.kind === 'invalid' ? t('runs.invalid') : t('runs.failed')}</td>
                  <td data-label={t('run.operation')}>
                    <span className="badge">{r.operation}</span>
                  </td>
                  <td data-label={t('run.when')} className="nowrap muted small">
                    {formatTime(r.rejectedAt, lang)}
                  </td>
                  <td data-label={t('run.request')} className="detail-cell">
                    <RowDetail sync={props.sync} row={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
    </>
  );
}
