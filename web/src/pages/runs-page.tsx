import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../api-client.js';
import type { PipelineSummary } from '../../../src/api/pipelines.js';
import { shownStatuses, type RunRecord, type RunsPage as RunsPageAnswer } from '../../../src/api/runs.js';
import type { SyncSummary } from '../../../src/api/syncs.js';
import { ErrorBox } from '../components/error-box.js';
import { RunsTable } from '../components/runs-table.js';
import { SearchBox } from '../components/search-box.js';
import { useI18n } from '../i18n.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';
import { runErrorText } from '../server-messages.js';

interface Source {
  kind: 'sync' | 'pipeline';
  name: string;
}

interface Filters {
  /** `kind:name`, or empty for every sync and pipeline. */
  source: string;
  status: string;
  /** yyyy-mm-dd from the date inputs, read in the browser's zone. */
  since: string;
  until: string;
}

const PAGE = 50;
const noFilters: Filters = { source: '', status: '', since: '', until: '' };

/** The query of GET /api/runs for the filters (dates are whole local days: until includes its day). */
function runsQuery(f: Filters, cursor: string | null): string {
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (f.source) {
    const [kind, ...name] = f.source.split(':');
    q.set('kind', kind === 'pipeline' ? 'pipeline' : 'sync');
    q.set('name', name.join(':'));
  }
  if (f.status) q.set('status', f.status);
  if (f.since) q.set('since', new Date(`${f.since}T00:00:00`).toISOString());
  if (f.until) {
    const end = new Date(`${f.until}T00:00:00`);
    end.setDate(end.getDate() + 1);
    q.set('until', end.toISOString());
  }
  if (cursor) q.set('cursor', cursor);
  return `/api/runs?${q}`;
}

/** Run history across every sync and pipeline (or one), filtered by status and dates on the server, a page at a time. */
export function RunsPage() {
  const { t, lang } = useI18n();
  const [sources, setSources] = useState<Source[]>([]);
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [runs, setRuns] = useState<RunRecord[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [search, setSearch] = useState('');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    Promise.all([api<SyncSummary[]>('/api/syncs').catch(() => []), api<PipelineSummary[]>('/api/pipelines').catch(() => [])]).then(([syncs, pipelines]) =>
      setSources([...syncs.map((s) => ({ kind: 'sync' as const, name: s.name })), ...pipelines.map((p) => ({ kind: 'pipeline' as const, name: p.name }))]),
    );
  }, []);

  const load = useCallback(async () => {
    try {
      const page = await api<RunsPageAnswer>(runsQuery(filters, null));
      setRuns(page.runs);
      setCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [filters]);

  useEffect(() => {
    void load();
  }, [load]);
  useLoadAgainWhenBack(error, () => void load());

  const loadMore = async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const page = await api<RunsPageAnswer>(runsQuery(filters, cursor));
      setRuns((r) => [...(r ?? []), ...page.runs]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  const shown = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return (runs ?? []).filter((r) => {
      // The error as the page's language says it, and as recorded (what the CLI and logs show).
      const text = `${r.id} ${r.name} ${r.kind} ${r.trigger} ${r.error ?? ''} ${runErrorText(r, lang) ?? ''}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }, [runs, search, lang]);

  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [key]: e.target.value }));
  const filtered = filters.source || filters.status || filters.since || filters.until;

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('nav.runs')}</h1>
        <div className="actions">
          <button type="button" onClick={() => void load()}>
            {t('common.refresh')}
          </button>
        </div>
      </div>
      <div className="filters" role="search">
        <label className="field">
          <span>{t('runs.filter')}</span>
          <select value={filters.source} onChange={set('source')} data-testid="runs-source">
            <option value="">{t('runs.all')}</option>
            {sources.map((s) => (
              <option key={`${s.kind}:${s.name}`} value={`${s.kind}:${s.name}`}>
                {t(`runs.kind.${s.kind}`)}: {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('runs.filterStatus')}</span>
          <select value={filters.status} onChange={set('status')} data-testid="runs-status">
            <option value="">{t('runs.anyStatus')}</option>
            {shownStatuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('runs.since')}</span>
          <input type="date" value={filters.since} onChange={set('since')} max={filters.until || undefined} data-testid="runs-since" />
        </label>
        <label className="field">
          <span>{t('runs.until')}</span>
          <input type="date" value={filters.until} onChange={set('until')} min={filters.since || undefined} data-testid="runs-until" />
        </label>
        <label className="field">
          <span>{t('list.search')}</span>
          <SearchBox value={search} onChange={setSearch} placeholder={t('runs.searchHelp')} testId="runs-search" />
        </label>
        {filtered && (
          <button type="button" className="align-end" onClick={() => setFilters(noFilters)}>
            {t('runs.clear')}
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      {!runs && !error && <p className="muted">{t('common.loading')}</p>}
      {runs && (
        <>
          <RunsTable runs={shown} showName empty={search && runs.length > 0 ? t('list.noMatch', { query: search }) : undefined} />
          <div className="list-foot">
            <span className="muted small" role="status">
              {t('runs.count', { count: shown.length })}
            </span>
            {cursor && (
              <button type="button" onClick={() => void loadMore()} disabled={more} data-testid="runs-more">
                {more ? t('runs.loadingMore') : t('runs.loadMore')}
              </button>
            )}
          </div>
        </>
      )}
    </div>
  );
}
