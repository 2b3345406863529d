import type { NotifyCondition } from '../config/project-schema.js';

/** A condition of `notify.on`, read once: a final status, a share or count of rows the destination refused, or a duration. */
export type RunCondition =
  | { kind: 'status'; status: 'failed' | 'succeeded' | 'cancelled'; label: string }
  | { kind: 'rejected_over'; percent?: number; count?: number; label: string }
  | { kind: 'longer_than'; ms: number; label: string };

/** What a condition is judged on: the run's end as its summary tells it. */
export interface RunEndFacts {
  status: string;
  planned: number;
  /** Rows the destination refused (not the invalid ones, caught before sending). */
  failed: number;
  durationMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A condition as the schema accepts it (`failed`, `"rejected_over: 5%"`, `{ longer_than: 30m }`), read into its kind. */
export function readCondition(condition: NotifyCondition): RunCondition {
  if (typeof condition === 'object') {
    if ('rejected_over' in condition) return rejectedOver(String(condition.rejected_over));
    return longerThan(condition.longer_than);
  }
  const [name, value] = condition.split(':').map((part) => part.trim());
  if (name === 'rejected_over') return rejectedOver(value!);
  if (name === 'longer_than') return longerThan(value!);
  return { kind: 'status', status: name as 'failed' | 'succeeded' | 'cancelled', label: name! };
}

function rejectedOver(value: string): RunCondition {
  const label = `rejected_over: ${value}`;
  return value.endsWith('%') ? { kind: 'rejected_over', percent: Number(value.slice(0, -1)), label } : { kind: 'rejected_over', count: Number(value), label };
}

function longerThan(value: string): RunCondition {
  const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(value)!;
  return { kind: 'longer_than', ms: Number(amount) * UNIT_MS[unit!]!, label: `longer_than: ${value}` };
}

/**
 * Whether the run met the condition. `rejected_over` is strictly more: the rows the destination refused (the run's
 * failed count) over the planned rows as a percentage, or their count; a run that planned nothing rejected 0%. Rows
 * caught before sending (invalid: no key, a request that cannot be rendered) are not counted: they are the sync's
 * data to fix, not the destination's answer, and `on_error.max_invalid_rows` bounds them.
 */
export function conditionMet(condition: RunCondition, run: RunEndFacts): boolean {
  switch (condition.kind) {
    case 'status':
      return run.status === condition.status;
    case 'rejected_over':
      if (condition.count !== undefined) return run.failed > condition.count;
      return run.planned > 0 && (run.failed / run.planned) * 100 > condition.percent!;
    case 'longer_than':
      return run.durationMs > condition.ms;
  }
}
