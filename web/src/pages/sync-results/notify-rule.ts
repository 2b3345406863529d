/**
 * One `notify:` entry of a sync as the editor reads and writes it. The entry stays the object sluice.yaml holds: an
 * edit changes only the keys it is about, so what the form does not show (a target's `row:` fields) is kept.
 */
export type NotifyEntry = Record<string, unknown>;

/** The conditions of `on:` as the form shows them: three statuses, and a threshold for rows and for time (null: off). */
export interface ConditionChoice {
  failed: boolean;
  succeeded: boolean;
  cancelled: boolean;
  rejectedOver: string | null;
  longerThan: string | null;
}

export const STATUS_CONDITIONS = ['failed', 'succeeded', 'cancelled'] as const;

/** What `rejected_over:` takes: a share of the planned rows (`5%`) or a row count (`10`), as the schema checks it. */
export const REJECTED_OVER = /^\d+(\.\d+)?%?$/;
/** What `longer_than:` takes, as the schema checks it. */
export const LONGER_THAN = /^\d+(ms|s|m|h|d)$/;

/** `on:` read into the form's choices; without `on:` a notification is sent when the run failed (the schema's default). */
export function readConditions(on: unknown): ConditionChoice {
  const choice: ConditionChoice = { failed: false, succeeded: false, cancelled: false, rejectedOver: null, longerThan: null };
  const list: unknown[] = Array.isArray(on) ? on : on === undefined ? ['failed'] : [on];
  for (const condition of list) {
    if (condition === 'failed' || condition === 'succeeded' || condition === 'cancelled') choice[condition] = true;
    else if (typeof condition === 'string') {
      const [name, value] = condition.split(/:(.*)/s).map((part) => part.trim());
      if (name === 'rejected_over') choice.rejectedOver ??= value ?? '';
      if (name === 'longer_than') choice.longerThan ??= value ?? '';
    } else if (typeof condition === 'object' && condition !== null) {
      const c = condition as { rejected_over?: unknown; longer_than?: unknown };
      if (c.rejected_over !== undefined) choice.rejectedOver ??= String(c.rejected_over);
      if (c.longer_than !== undefined) choice.longerThan ??= String(c.longer_than);
    }
  }
  return choice;
}

/** The choices as `on:` is written: `[failed, { rejected_over: 5% }, { longer_than: 30m }]` (a row count stays a number). */
export function writeConditions(choice: ConditionChoice): unknown[] {
  const on: unknown[] = STATUS_CONDITIONS.filter((s) => choice[s]);
  if (choice.rejectedOver !== null) {
    const value = choice.rejectedOver.trim();
    on.push({ rejected_over: /^\d+$/.test(value) ? Number(value) : value });
  }
  if (choice.longerThan !== null) on.push({ longer_than: choice.longerThan.trim() });
  return on;
}

/** Where a webhook's signing secret is read from: an environment variable or a secret of the state store. */
export type SecretKind = 'env' | 'secret';

/** A webhook secret as written: `${env:NAME}` or `${secret:NAME}`; anything else is a value the form never shows. */
export interface SecretChoice {
  kind: SecretKind;
  name: string;
  /** sluice.yaml holds something other than one reference (a value): it is kept until a name is given, and not shown. */
  notReference: boolean;
}

export function readSecret(written: unknown): SecretChoice {
  if (written === undefined || written === '') return { kind: 'env', name: '', notReference: false };
  const reference = typeof written === 'string' ? /^\$\{(env|secret):([^}]*)\}$/.exec(written) : null;
  if (!reference) return { kind: 'env', name: '', notReference: true };
  return { kind: reference[1] as SecretKind, name: reference[2]!, notReference: false };
}

export const writeSecret = (kind: SecretKind, name: string): string => `\${${kind}:${name.trim()}}`;

/** Whether the entry is sent to a connection's endpoint rather than a webhook. */
export const sendsToEndpoint = (entry: NotifyEntry): boolean => entry.webhook === undefined && (entry.connection !== undefined || entry.endpoint !== undefined);

/** The entry with these keys set (undefined removes a key), the others kept as they were. */
export function withKeys(entry: NotifyEntry, keys: Record<string, unknown>): NotifyEntry {
  const next: NotifyEntry = { ...entry };
  for (const [key, value] of Object.entries(keys)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** A new entry: a webhook told when a run fails. */
export const newNotifyEntry = (): NotifyEntry => ({ on: ['failed'], webhook: { url: '', secret: '' } });

/**
 * Why a webhook URL cannot be sent to, as far as the page can tell (the server checks the host against
 * SLUICE_ALLOWED_HOSTS and says so at save): not http(s), or a user or password in it.
 */
export function webhookUrlProblem(url: string): boolean {
  if (url.trim() === '') return false;
  if (!/^https?:\/\/[^/?#\s]+/i.test(url)) return true;
  return /^[a-z]+:\/\/[^/?#]*@/i.test(url);
}
