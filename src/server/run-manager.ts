import type { PipelineStepResult } from '../sync/run-pipeline.js';
import type { RunProgress } from '../sync/run-sync.js';
import type { RunOutcome } from './execute-run.js';
import { HttpError } from './http-error.js';
import type { RunJob } from './run-job.js';

/** What a run reports to listeners (the SSE stream): progress while it runs, pipeline steps, then done. */
export type RunEvent =
  | { type: 'progress'; data: RunProgress }
  | { type: 'step'; data: PipelineStepResult }
  | { type: 'done'; data: RunOutcome };

/** Executes a job somewhere: in this process, or on a queue worker. */
export interface RunExecutor {
  execute(
    job: RunJob,
    hooks: {
      onProgress: (p: RunProgress) => void;
      onStep: (s: PipelineStepResult) => void;
      signal: AbortSignal;
      /** Tells that the run is recorded where every server sharing the state finds it, or is in this process's hands. */
      onQueued: () => void;
    },
  ): Promise<RunOutcome>;
  /**
   * Listens to the progress of a run another process queued (another server's, or one this server restarted
   * without); returns the unsubscribe. Absent when runs only execute in this process.
   */
  follow?(runId: string, listener: (event: Exclude<RunEvent, { type: 'done' }>) => void): () => void;
  /** True when aborting a job's signal stops the run itself (it runs in this process), not only the wait for it. */
  cancels?: boolean;
  /** Stops a run a queue worker runs or will run, whichever server queued it; `not-running` when it ended. */
  cancel?(runId: string): Promise<'cancelling' | 'not-running'>;
  close?(): Promise<void>;
}

/** A run this server started: running, or finished recently. */
export interface ManagedRun {
  job: RunJob;
  /** The locks it holds while it runs (`sync:NAME`, `pipeline:NAME`). */
  locks: string[];
  startedAt: string;
  /** The latest progress report (sync runs and pipeline steps). */
  progress: RunProgress | null;
  /** Set once it finished. */
  outcome: RunOutcome | null;
  /**
   * Settles once any server sharing the state can find the run (its executor called onQueued), or once it ended: the
   * API answers with the run's id only then, so a client sent to another server next does not hear "no run".
   */
  queued: Promise<void>;
  done: Promise<RunOutcome>;
}

interface Entry extends ManagedRun {
  listeners: Set<(event: RunEvent) => void>;
  abort: AbortController;
}

/** The lock a sync's or pipeline's runs take: one run at a time per sync, shared by the API and the scheduler. */
export function runLock(kind: 'sync' | 'pipeline', name: string): string {
  return `${kind}:${name}`;
}

/** Starts runs without overlap (one lock per sync or pipeline), keeps their progress, and tells listeners. */
export class RunManager {
  private readonly runs = new Map<string, Entry>();
  private readonly held = new Map<string, string>();
  private readonly keepFinished: number;

  constructor(private readonly options: { executor: RunExecutor; keepFinished?: number; onError?: (job: RunJob, error: unknown) => void }) {
    this.keepFinished = options.keepFinished ?? 200;
  }

  /** The id of the run holding a lock, if any. */
  holder(lock: string): string | undefined {
    return this.held.get(lock);
  }

  /** Starts a job unless one of its locks is held (409 naming what runs). Returns at once; `done` settles at the end. */
  start(job: RunJob, locks: string[]): ManagedRun {
    for (const lock of locks) {
      const holder = this.held.get(lock);
      if (holder) {
        const [kind, ...name] = lock.split(':');
        throw new HttpError(409, `${kind} "${name.join(':')}" is already running (run ${holder})`, { code: 'already_running', params: { what: kind ?? '', name: name.join(':'), run: holder } });
      }
    }
    for (const lock of locks) this.held.set(lock, job.runId);
    const abort = new AbortController();
    let markQueued!: () => void;
    const entry: Entry = {
      job, locks, startedAt: new Date().toISOString(), progress: null, outcome: null, listeners: new Set(), abort,
      queued: new Promise<void>((resolve) => (markQueued = resolve)),
      done: Promise.resolve(null as unknown as RunOutcome),
    };
    const emit = (event: RunEvent) => {
      for (const listener of entry.listeners) listener(event);
    };
    this.runs.set(job.runId, entry);
    entry.done = this.options.executor
      .execute(job, {
        onProgress: (p) => {
          entry.progress = p;
          emit({ type: 'progress', data: p });
        },
        onStep: (s) => emit({ type: 'step', data: s }),
        signal: abort.signal,
        onQueued: markQueued,
      })
      .catch((e: unknown): RunOutcome => {
        this.options.onError?.(job, e);
        return { run: null, error: e instanceof Error ? e.message : String(e) };
      })
      .then((outcome) => {
        markQueued();
        entry.outcome = outcome;
        for (const lock of locks) if (this.held.get(lock) === job.runId) this.held.delete(lock);
        emit({ type: 'done', data: outcome });
        entry.listeners.clear();
        this.forgetOldRuns();
        return outcome;
      });
    return entry;
  }

  /** A run this server started (running or recently finished). */
  get(runId: string): ManagedRun | undefined {
    return this.runs.get(runId);
  }

  /** Listens to a running run's events; returns the unsubscribe. A finished run has nothing more to say. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    const entry = this.runs.get(runId);
    if (!entry || entry.outcome) return () => undefined;
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /**
   * Listens to the progress of a run this server did not start (queued by another server sharing the queue); the
   * state store says when it ends. Returns the unsubscribe; nothing is heard when the executor cannot follow.
   */
  follow(runId: string, listener: (event: Exclude<RunEvent, { type: 'done' }>) => void): () => void {
    return this.options.executor.follow?.(runId, listener) ?? (() => undefined);
  }

  /**
   * Stops a run: one this server runs in its process (its signal is aborted), or one on a queue worker, queued by any
   * server (through the executor). It ends as cancelled. `not-running`: no such run (here, when runs execute in
   * process), or it ended; `elsewhere`: it runs on a queue worker, which this server cannot stop.
   */
  async cancel(runId: string): Promise<'cancelling' | 'not-running' | 'elsewhere'> {
    const entry = this.runs.get(runId);
    const { executor } = this.options;
    if (executor.cancel) return executor.cancel(runId);
    if (!entry || entry.outcome) return 'not-running';
    if (!executor.cancels) return 'elsewhere';
    entry.abort.abort();
    return 'cancelling';
  }

  /** The runs still going. */
  active(): ManagedRun[] {
    return [...this.runs.values()].filter((r) => !r.outcome);
  }

  /** Asks running runs to stop (they end as cancelled) and waits for them, at most `timeoutMs`. */
  async close(timeoutMs = 30_000): Promise<void> {
    const running = [...this.runs.values()].filter((r) => !r.outcome);
    for (const r of running) r.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(running.map((r) => r.done)),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    await this.options.executor.close?.();
  }

  private forgetOldRuns(): void {
    const finished = [...this.runs.values()].filter((r) => r.outcome);
    for (const r of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.runs.delete(r.job.runId);
  }
}
