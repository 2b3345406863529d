import { useEffect, useRef, useSyncExternalStore } from 'react';

/** How often the UI asks `/api/health` while the server cannot be reached. */
export const RETRY_SECONDS = 3;

let reachable = true;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
const listeners = new Set<() => void>();

function set(value: boolean): void {
  if (value === reachable) return;
  reachable = value;
  for (const listener of listeners) listener();
}

async function checkHealth(): Promise<void> {
  retryTimer = null;
  try {
    // Any answer at all means the server is there again (health needs no token).
    await fetch('/api/health', { cache: 'no-store' });
    set(true);
  } catch {
    retryTimer = setTimeout(() => void checkHealth(), RETRY_SECONDS * 1000);
  }
}

/** A call got an answer (whatever its status): the server is reachable. */
export function reportAnswer(): void {
  set(true);
}

/** A call got no answer at all: the server is unreachable until `/api/health` answers again. */
export function reportUnreachable(): void {
  set(false);
  if (retryTimer === null) retryTimer = setTimeout(() => void checkHealth(), RETRY_SECONDS * 1000);
}

/** Asks at once instead of waiting for the next retry (the banner's "Try now"). */
export function retryNow(): void {
  if (retryTimer !== null) clearTimeout(retryTimer);
  void checkHealth();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the server answered the last call, re-rendering when that changes. */
export function useServerReachable(): boolean {
  return useSyncExternalStore(subscribe, () => reachable);
}

/** True for what a fetch throws when no answer came (the browser's "Failed to fetch", a stream cut off). */
export function isUnreachableError(error: unknown): boolean {
  if (error instanceof Error && error.name === 'ServerUnreachableError') return true;
  return error instanceof TypeError && /failed to fetch|networkerror|network error|load failed/i.test(error.message);
}

/** Calls `load` again when the server answers after `error` (a load that failed because it could not be reached). */
export function useLoadAgainWhenBack(error: unknown, load: () => void): void {
  const online = useServerReachable();
  const latest = useRef({ error, load });
  latest.current = { error, load };
  useEffect(() => {
    if (online && isUnreachableError(latest.current.error)) latest.current.load();
  }, [online]);
}
