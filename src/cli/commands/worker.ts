import { redisUrl } from '../../server/redis-connection.js';
import { safeUrl } from '../../server/redis-run-executor.js';
import { RUN_QUEUE } from '../../server/run-job.js';
import { startRunWorker } from '../../server/run-worker.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** Arguments of `sluice worker`. */
export interface WorkerArgs {
  concurrency: number;
  /** Stops the worker when aborted (tests); SIGINT and SIGTERM always do. */
  signal?: AbortSignal;
}

/** `sluice worker`: executes the runs `sluice serve` queues on Redis (SLUICE_QUEUE=redis), until SIGINT or SIGTERM. */
export async function runWorker(args: WorkerArgs, ctx: CommandContext): Promise<number> {
  const url = redisUrl();
  const say = (line: string) => ctx.stdout.write(ctx.json ? JSON.stringify({ message: line }) + '\n' : line + '\n');
  const worker = await startRunWorker({
    project: ctx.project,
    concurrency: Math.max(1, args.concurrency),
    url,
    prefix: process.env.SLUICE_REDIS_PREFIX || undefined,
    onJob: (event, job, detail) => say(`run ${job.runId} ${event}: ${job.kind} ${job.name}${detail ? ` (${detail})` : ''}`),
  });
  say(`worker ready: queue ${RUN_QUEUE} on ${safeUrl(url)}, ${Math.max(1, args.concurrency)} at a time; Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (args.signal?.aborted) stop();
    args.signal?.addEventListener('abort', stop, { once: true });
  });
  say('stopping: waiting for the runs in hand...');
  await worker.close();
  return ExitCode.ok;
}
