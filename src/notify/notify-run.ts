import type { RunSummary } from '../api/runs.js';
import type { LoadedProject } from '../config/load-project.js';
import type { NotifyTarget } from '../config/project-schema.js';
import type { NotificationAttempt, StateStore } from '../state/state-store.js';
import { conditionMet, readCondition } from './run-conditions.js';
import { cut, runNotice, type RunNotice } from './run-notice.js';
import type { WebhookRetry } from './send-webhook.js';

/** What notifyRun needs: the project (its `notify:` settings), the store that records each attempt, the run's summary. */
export interface NotifyRunOptions {
  loaded: LoadedProject;
  store: StateStore;
  summary: RunSummary;
  /** How webhooks are retried (default DEFAULT_WEBHOOK_RETRY). */
  webhookRetry?: Partial<WebhookRetry>;
  /** Where a notification that failed is reported, masked; default standard error. */
  log?: (line: string) => void;
}

const MAX_RECORDED_ERROR_CHARS = 1000;

/**
 * Tells the `notify:` targets of the run's sync or pipeline (a retry run is its sync's) whose `on:` conditions the
 * run met, all at once, and records every attempt with the run. Never throws: a notification that fails is recorded
 * and logged, and the run stays as it ended. Returns the attempts recorded.
 */
export async function notifyRun(options: NotifyRunOptions): Promise<NotificationAttempt[]> {
  const { loaded, summary } = options;
  const { run } = summary;
  const targets = (run.kind === 'pipeline' ? loaded.project.pipelines[run.name] : loaded.project.syncs[run.name])?.notify ?? [];
  const due = targets
    .map((target, index) => ({ target, index, conditions: metConditions(target, summary) }))
    .filter((t) => t.conditions.length > 0);
  if (due.length === 0) return [];
  const notice = runNotice(summary, loaded.redactor);
  const recorded: NotificationAttempt[] = [];
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  await Promise.all(
    due.map(async ({ target, index, conditions }) => {
      const label = `notify[${index}] ${targetName(target)}`;
      const record = async (attempt: Omit<NotificationAttempt, 'runId' | 'target' | 'conditions' | 'at'>) => {
        const entry: NotificationAttempt = {
          runId: run.id,
          target: label,
          conditions: conditions.join(', '),
          ...attempt,
          error: attempt.error === null ? null : cut(loaded.redactor.mask(attempt.error), MAX_RECORDED_ERROR_CHARS),
          at: new Date().toISOString(),
        };
        recorded.push(entry);
        if (entry.status === 'failed') log(loaded.redactor.mask(`sluice: ${label} for run ${run.id} failed (attempt ${entry.attempt}): ${entry.error}`));
        await options.store.recordNotification(entry).catch((e: unknown) => {
          log(loaded.redactor.mask(`sluice: ${label} for run ${run.id}: the attempt could not be recorded: ${messageOf(e)}`));
        });
      };
      try {
        await send(target, notice, conditions, options, record);
      } catch (e) {
        await record({ attempt: 1, status: 'failed', httpStatus: null, error: messageOf(e) });
      }
    }),
  );
  return recorded;
}

/** The conditions of `on:` the run met, as written. */
function metConditions(target: NotifyTarget, summary: RunSummary): string[] {
  const facts = { status: summary.run.status, planned: summary.run.counts.planned, failed: summary.run.counts.failed, durationMs: summary.durationMs };
  return target.on.map(readCondition).filter((c) => conditionMet(c, facts)).map((c) => c.label);
}

/** A target as records and logs name it: a webhook by its origin alone (its path or query may be its credential). */
function targetName(target: NotifyTarget): string {
  if (!target.webhook) return `${target.connection}.${target.endpoint}`;
  try {
    return `webhook ${new URL(target.webhook.url).origin}`;
  } catch {
    return 'webhook';
  }
}

async function send(
  target: NotifyTarget,
  notice: RunNotice,
  conditions: string[],
  options: NotifyRunOptions,
  record: (attempt: Omit<NotificationAttempt, 'runId' | 'target' | 'conditions' | 'at'>) => Promise<void>,
): Promise<void> {
  const { loaded, store } = options;
  if (target.webhook) {
    const { sendWebhook } = await import('./send-webhook.js');
    const { url, secret } = target.webhook;
    loaded.redactor.add(secret);
    await sendWebhook({
      url,
      secret,
      body: JSON.stringify({ event: 'run.finished', conditions, run: notice }),
      networkPolicy: loaded.networkPolicy,
      redactor: loaded.redactor,
      retry: options.webhookRetry,
      onAttempt: record,
    });
    return;
  }
  const { sendToEndpoint } = await import('./send-to-endpoint.js');
  const outcome = await sendToEndpoint({ loaded, store, connection: target.connection!, endpoint: target.endpoint!, row: target.row, notice, conditions });
  await record({ attempt: Math.max(1, outcome.attempts), status: outcome.ok ? 'delivered' : 'failed', httpStatus: outcome.httpStatus, error: outcome.error });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
