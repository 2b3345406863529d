import type { StateStore } from '../state/state-store.js';
import type { ScheduledItem } from './scheduler.js';

// A pause is kept in the state store's named values, not in sluice.yaml: it is an operator's act at run time (an
// incident, a maintenance window), every server sharing the state sees it at its next tick, and a project kept in git
// or deployed read-only needs no edit (nor a commit to undo it).
const valueName = (kind: ScheduledItem['kind'], name: string) => `schedule-paused:${kind}:${name}`;

/** When the item's schedule was paused (ISO), or null when it runs. */
export async function schedulePausedAt(store: StateStore, kind: ScheduledItem['kind'], name: string): Promise<string | null> {
  const text = await store.getValue(valueName(kind, name));
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { pausedAt?: unknown };
    return typeof value.pausedAt === 'string' ? value.pausedAt : null;
  } catch {
    return null;
  }
}

/** Pauses the item's schedule (ticks are skipped) or resumes it; returns when it was paused, or null. */
export async function setSchedulePaused(store: StateStore, kind: ScheduledItem['kind'], name: string, paused: boolean): Promise<string | null> {
  const pausedAt = paused ? ((await schedulePausedAt(store, kind, name)) ?? new Date().toISOString()) : null;
  await store.setValue(valueName(kind, name), JSON.stringify({ pausedAt }));
  return pausedAt;
}
