import { useEffect, useState, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** Goes to a path inside the UI without reloading the page; `flash` is a message the next page shows once. */
export function navigate(path: string, options: { replace?: boolean; flash?: string } = {}): void {
  const state = options.flash === undefined ? null : { flash: options.flash };
  if (options.replace) window.history.replaceState(state, '', path);
  else window.history.pushState(state, '', path);
  for (const listener of listeners) listener();
  window.scrollTo(0, 0);
}

/** The current path, re-rendering on navigation. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** Matches a path against a pattern like `/syncs/:name`; returns the decoded parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const h = have[i] as string;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(h);
    else if (w !== h) return null;
  }
  return params;
}

/** The message the previous page left for this one (a save that moved to the saved item's address), shown once. */
export function useFlash(): string | null {
  const [flash] = useState(() => {
    const state = window.history.state as { flash?: unknown } | null;
    return typeof state?.flash === 'string' ? state.flash : null;
  });
  useEffect(() => {
    if (flash !== null) window.history.replaceState(null, '', window.location.href);
  }, [flash]);
  return flash;
}
