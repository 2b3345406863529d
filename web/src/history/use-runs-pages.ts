import { useCallback, useEffect, useState } from 'react';
import type { RunRecord, RunsPage } from '../../../src/api/runs.js';
import { api } from '../api-client.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';

/** The runs of one GET /api/runs query, a page at a time: the first page on load (and `reload`), more on `loadMore`. */
export function useRunsPages(query: string) {
  const [runs, setRuns] = useState<RunRecord[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const reload = useCallback(async () => {
    try {
      const page = await api<RunsPage>(`/api/runs?${query}`);
      setRuns(page.runs);
      setCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [query]);

  useEffect(() => {
    void reload();
  }, [reload]);
  useLoadAgainWhenBack(error, () => void reload());

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api<RunsPage>(`/api/runs?${query}&cursor=${encodeURIComponent(cursor)}`);
      setRuns((r) => [...(r ?? []), ...page.runs]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  return { runs, error, reload, loadMore, hasMore: cursor !== null, loadingMore };
}
