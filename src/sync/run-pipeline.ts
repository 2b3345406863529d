import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { checkRunVariables, pickSyncVariables } from '../config/check-run-variables.js';
import { didYouMean } from '../config/closest-match.js';
import { ConfigError } from '../config/config-error.js';
import { displayPath } from '../config/display-path.js';
import type { LoadedProject } from '../config/load-project.js';
import type { PipelineStep } from '../config/project-schema.js';
import { resolveSqlVariables } from '../config/resolve-sql-variables.js';
import type { RunCounts, RunRecord } from '../state/state-store.js';
import { finishRun } from './finish-run.js';
import { openRun } from './open-run.js';
import { runEndMessage } from './run-end-messages.js';
import { runSync, type RunSummary, type StartRunOptions } from './run-sync.js';

/** The outcome of one pipeline step. */
export interface PipelineStepResult {
  step: string;
  status: 'succeeded' | 'failed' | 'skipped';
  durationMs: number;
  error: string | null;
  sync?: RunSummary;
}

/** How a pipeline run ended. */
export interface PipelineSummary {
  run: RunRecord;
  steps: PipelineStepResult[];
  /** The step that failed and stopped the pipeline. */
  failedStep: string | null;
}

/** A step's name as users read it: the sync's name, or `sql <file> on <connection>`. */
export function stepName(step: PipelineStep): string {
  if (typeof step === 'string') return step;
  if ('sync' in step) return step.sync;
  const what = /\.sql$/i.test(step.sql.trim()) ? step.sql.trim() : 'inline sql';
  return `sql ${what} on ${step.connection}`;
}

/** Runs a pipeline's steps in order; a failed step stops it, and the pipeline run names that step. */
export async function runPipeline(options: StartRunOptions & {
  pipeline: string;
  onStep?: (result: PipelineStepResult) => void;
}): Promise<PipelineSummary> {
  const { loaded, store, pipeline: name } = options;
  const pipeline = loaded.project.pipelines[name];
  if (!pipeline) {
    const known = Object.keys(loaded.project.pipelines);
    throw new ConfigError([
      { file: displayPath(loaded.file), path: 'pipelines', message: `unknown pipeline "${name}"${didYouMean(name, known)} (known: ${known.length ? known.join(', ') : 'none'})` },
    ]);
  }
  // Refused values stop here, before a run is recorded or its lease taken.
  checkRunVariables(loaded, { kind: 'pipeline', name }, options.vars);
  // A pipeline a queue worker resumes re-runs its steps: each sends only what its ledger does not have yet.
  const opened = await openRun({
    loaded, store, kind: 'pipeline', name, trigger: options.trigger ?? 'cli', runId: options.runId,
    lease: { ...options.lease, signal: options.signal },
  });
  // Recorded, then thrown as a setup error: no step ran.
  if (!opened.started) throw opened.error;
  const { run, lease } = opened;
  const counts: RunCounts = { planned: 0, added: 0, changed: 0, removed: 0, unchanged: 0, delivered: 0, failed: 0, invalid: 0 };
  const steps: PipelineStepResult[] = [];
  let failedStep: string | null = null;
  try {
    for (const step of pipeline.steps) {
      const label = stepName(step);
      if (failedStep || lease.signal.aborted) {
        steps.push({ step: label, status: 'skipped', durationMs: 0, error: null });
        continue;
      }
      const started = Date.now();
      let result: PipelineStepResult;
      try {
        if (typeof step === 'string' || 'sync' in step) {
          const syncName = typeof step === 'string' ? step : step.sync;
          const summary = await runSync({
            loaded, store, sync: syncName, vars: pickSyncVariables(loaded, syncName, options.vars),
            trigger: `pipeline:${name}`, onProgress: options.onProgress, signal: lease.signal, lease: options.lease,
          });
          for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += summary.run.counts[k];
          result = {
            step: label, status: summary.run.status === 'succeeded' ? 'succeeded' : 'failed',
            durationMs: Date.now() - started, error: summary.run.error, sync: summary,
          };
        } else {
          await runSqlStep(loaded, step, run.id);
          result = { step: label, status: 'succeeded', durationMs: Date.now() - started, error: null };
        }
      } catch (e) {
        result = { step: label, status: 'failed', durationMs: Date.now() - started, error: loaded.redactor.mask(e instanceof Error ? e.message : String(e)) };
      }
      steps.push(result);
      options.onStep?.(result);
      if (result.status === 'failed') failedStep = label;
    }
  } catch (e) {
    await finishRun(opened, { error: e, counts });
    throw e;
  }
  // (A lease lost with no step failed fails the run too: finishRun says so.)
  const error = failedStep ? runEndMessage('step_failed', { step: failedStep, detail: steps.find((s) => s.step === failedStep)?.error ?? 'failed' }) : null;
  const { run: ended } = await finishRun(opened, { error, counts });
  return { run: ended, steps, failedStep };
}

async function runSqlStep(loaded: LoadedProject, step: { sql: string; connection: string }, runId: string): Promise<void> {
  const connection = loaded.project.connections[step.connection];
  if (!connection) throw new Error(`unknown connection "${step.connection}"`);
  if (connection.type === 'http') throw new Error(`connection "${step.connection}" is an HTTP connection: a SQL step needs a database`);
  const text = step.sql.trim();
  const path = isAbsolute(text) ? text : join(loaded.dir, text);
  const sql = /\.sql$/i.test(text) ? await (loaded.files?.read(path) ?? readFile(path, 'utf8')) : step.sql;
  const { openSqlDatabase } = await import('../databases/open-sql-database.js');
  const db = await openSqlDatabase(connection, { projectDir: loaded.dir, redactor: loaded.redactor });
  try {
    await db.execute(resolveSqlVariables(sql, {}, { runId, engine: connection.type }));
  } finally {
    await db.close();
  }
}
