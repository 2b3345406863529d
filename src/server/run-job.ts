import { z } from 'zod';

/** One run to execute: what the API, the scheduler and the Redis queue hand to the engine. */
export const runJobSchema = z.strictObject({
  runId: z.string(),
  /** sync: a sync run; retry: re-send a sync's rejected rows; pipeline: a pipeline run. */
  kind: z.enum(['sync', 'retry', 'pipeline']),
  name: z.string(),
  vars: z.record(z.string(), z.string()).default({}),
  /** Forget what was delivered and send every row again (sync runs). */
  full: z.boolean().default(false),
  /** Retries: send the rows as they were when rejected instead of their current rows read from the source. */
  asRejected: z.boolean().default(false),
  /** Sync runs: adopt what the destination holds (record every current row as delivered, send no write). */
  baseline: z.boolean().optional(),
  /** Who started it: `api`, `schedule`... */
  trigger: z.string(),
  /**
   * The project revision the run executes (sha256 of its files' bundle in the state store): set by a server that
   * queues it on Redis, so every worker runs what that server had. Absent (an older server's job): the worker's disk.
   */
  revision: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /**
   * Set on the jobs a partitioned sync's run is split into (a sync with `partitions`): this job delivers the keys of
   * hash bucket `index` of `of`. Absent: the whole run (for a partitioned sync, the job that opens and closes it).
   */
  partition: z
    .strictObject({
      index: z.number().int().min(0).max(63),
      of: z.number().int().min(2).max(64),
      /** The sync's ledger was empty when the run was opened: a first attempt looks nothing up. */
      ledgerEmpty: z.boolean(),
    })
    .refine((p) => p.index < p.of, 'index must be below of')
    .optional(),
});

export type RunJob = z.infer<typeof runJobSchema>;

/** The BullMQ queue `sluice serve` (with SLUICE_QUEUE=redis) puts runs on and `sluice worker` takes them from. */
export const RUN_QUEUE = 'sluice-runs';
