import { useEffect, useState, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
/** What a page with unsaved edits asks before the UI leaves it; null: nothing to ask. */
const leaveChecks = new Set<() => string | null>();
// The path the UI shows: where the back button is sent again when the user chooses to stay. The path alone: the
// query is read once at start (`?token=`, which must not come back into the address bar).
let shownPath = typeof window === 'undefined' ? '/' : window.location.pathname;

function notify(): void {
  shownPath = window.location.pathname;
  for (const listener of listeners) listener();
}

/** True when no page holds unsaved edits, or the user agreed to lose them (asked with `confirm`). */
export function mayLeave(): boolean {
  for (const check of leaveChecks) {
    const question = check();
    if (question !== null && !window.confirm(question)) return false;
  }
  return true;
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    // Back and forward have already moved the address: staying puts the page's own address back.
    if (!mayLeave()) {
      window.history.pushState(null, '', shownPath);
      return;
    }
    notify();
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Goes to a path inside the UI without reloading the page; `flash` is a message the next page shows once. A page with
 * unsaved edits is asked first (`afterSave`: the page has just saved them, so there is nothing to ask).
 */
export function navigate(path: string, options: { replace?: boolean; flash?: string; afterSave?: boolean } = {}): void {
  if (!options.afterSave && !mayLeave()) return;
  const state = options.flash === undefined ? null : { flash: options.flash };
  if (options.replace) window.history.replaceState(state, '', path);
  else window.history.pushState(state, '', path);
  notify();
  window.scrollTo(0, 0);
}

/**
 * While `question` is not null (the page holds unsaved edits), leaving it asks: a link or the back button inside the
 * UI with `confirm(question)`, closing or reloading the tab with the browser's own question.
 */
export function useLeaveCheck(question: string | null): void {
  useEffect(() => {
    if (question === null) return;
    const check = () => question;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers show the question only when returnValue is set.
      event.returnValue = question;
    };
    leaveChecks.add(check);
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      leaveChecks.delete(check);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [question]);
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
