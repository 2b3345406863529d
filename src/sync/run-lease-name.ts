import type { RunKind } from '../state/state-store.js';

/** The lease a run holds: a pipeline's own (`pipeline:NAME`), else its sync's (`sync:NAME`, shared by sync and retry runs). */
export function runLeaseName(kind: RunKind, name: string): string {
  return `${kind === 'pipeline' ? 'pipeline' : 'sync'}:${name}`;
}
