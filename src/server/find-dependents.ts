import { resolve } from 'node:path';
import type { Dependent } from '../api/dependents.js';

type Raw = Record<string, unknown>;

const entries = (data: Raw, section: string): [string, unknown][] => {
  const value = data[section];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
};

/** Whether a `connection:` key anywhere inside the value (from, to, write_back, run_log, notify, an SQL step) names it. */
function namesConnection(value: unknown, connection: string, depth = 0): boolean {
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => namesConnection(v, connection, depth + 1));
  return Object.entries(value).some(([k, v]) => (k === 'connection' && v === connection) || namesConnection(v, connection, depth + 1));
}

/** The syncs and pipelines of sluice.yaml (as written) that use a connection. */
export function connectionDependents(data: Raw, connection: string): Dependent[] {
  return [
    ...entries(data, 'syncs').filter(([, s]) => namesConnection(s, connection)).map(([name]) => ({ kind: 'sync' as const, name })),
    ...entries(data, 'pipelines').filter(([, p]) => namesConnection(p, connection)).map(([name]) => ({ kind: 'pipeline' as const, name })),
  ];
}

/** The pipelines that run a sync as a step. */
export function syncDependents(data: Raw, sync: string): Dependent[] {
  return entries(data, 'pipelines')
    .filter(([, p]) => {
      const steps = (p as { steps?: unknown })?.steps;
      return Array.isArray(steps) && steps.some((s) => s === sync || (typeof s === 'object' && s !== null && (s as { sync?: unknown }).sync === sync));
    })
    .map(([name]) => ({ kind: 'pipeline' as const, name }));
}

/** The connections that use a connector: by its name, or by a path that leads to its file. */
export function connectorDependents(data: Raw, connector: { name: string; file: string }, projectDir: string): Dependent[] {
  return entries(data, 'connections')
    .filter(([, c]) => {
      const ref = (c as { connector?: unknown })?.connector;
      return typeof ref === 'string' && (ref === connector.name || resolve(projectDir, ref) === connector.file);
    })
    .map(([name]) => ({ kind: 'connection' as const, name }));
}
