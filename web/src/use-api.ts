import { useCallback, useEffect, useState } from 'react';
import { api } from './api-client.js';
import { useLoadAgainWhenBack } from './server-reachability.js';

/** The state of a GET: its data, the error, whether it is loading, and a way to load it again. */
export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads a GET route when the path changes (null: nothing to load), and again when the server answers after a load it missed. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);

  const reload = useCallback(async () => {
    if (path === null) return;
    setLoading(true);
    try {
      setData(await api<T>(path));
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setLoading(false);
    }
  }, [path]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useLoadAgainWhenBack(error, () => void reload());

  return { data, error, loading, reload };
}
