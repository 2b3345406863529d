import { useSyncExternalStore } from 'react';
import type { ConfigIssue } from '../../src/api/config-issue.js';

// Whether the project on disk loads, as the last answers told: an `invalid_project` answer says it does not (with its
// issues), and the UI then shows sluice.yaml's editor instead of pages that could only show empty lists.
let issues: ConfigIssue[] | null = null;
const listeners = new Set<() => void>();

function set(next: ConfigIssue[] | null): void {
  issues = next;
  for (const listener of listeners) listener();
}

/** An answer said the project does not load, and why. */
export function reportInvalidProject(found: ConfigIssue[]): void {
  if (issues === null || JSON.stringify(issues) !== JSON.stringify(found)) set(found);
}

/** The project loads again (it was saved valid, or found valid when checked). */
export function reportProjectLoads(): void {
  if (issues !== null) set(null);
}

/** The issues of a project that does not load, or null while it loads; re-renders when that changes. */
export function useInvalidProject(): ConfigIssue[] | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => issues,
  );
}
