import type { FastifyPluginAsync } from 'fastify';
import type { RunTotals } from '../state/state-store.js';
import type { ServerContext } from './server-context.js';

/** The bounds of the run duration histogram, in seconds: a second to six hours. */
export const DURATION_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600] as const;
/** How long a computed answer is served again: scrapes from several Prometheus servers cost one query. */
const CACHE_MS = 5000;
/** The most (kind, name, status) groups read: a bound on the query whatever the state holds. */
const MAX_GROUPS = 10_000;

/**
 * `GET /metrics`: the runs in Prometheus text format 0.0.4, computed from the state store's run records (every
 * server and worker writes them there), so the counters are the same whichever server is scraped and survive
 * restarts; in-process counters would count only the runs one process ran since it started.
 */
export const metricsRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  let cached: { at: number; text: Promise<string> } | undefined;
  app.get('/metrics', async (_request, reply) => {
    const now = Date.now();
    if (!cached || now - cached.at > CACHE_MS) {
      const text = ctx.store.runTotals({ bucketsSeconds: DURATION_BUCKETS_SECONDS, limit: MAX_GROUPS }).then(metricsText);
      cached = { at: now, text };
      // A failed read is not served again.
      text.catch(() => (cached = undefined));
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(await cached.text);
  });
};

const ENDED = ['succeeded', 'failed', 'cancelled'] as const;

/** The exposition text of the run totals: each family's HELP and TYPE, then its samples. */
export function metricsText(totals: RunTotals[]): string {
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: string[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  const id = (t: RunTotals) => `kind="${labelValue(t.kind)}",name="${labelValue(t.name)}"`;
  family(
    'sluice_runs_total',
    'counter',
    'Runs that ended, by kind (sync, retry, pipeline), sync or pipeline name and status.',
    totals.flatMap((t) => ENDED.filter((s) => t.runs[s] !== undefined).map((s) => `sluice_runs_total{${id(t)},status="${s}"} ${t.runs[s]}`)),
  );
  family('sluice_runs_running', 'gauge', 'Runs running now.', totals.map((t) => `sluice_runs_running{${id(t)}} ${t.runs.running ?? 0}`));
  family('sluice_runs_queued', 'gauge', 'Runs waiting for a queue worker now.', totals.map((t) => `sluice_runs_queued{${id(t)}} ${t.runs.queued ?? 0}`));
  // A pipeline's rows are its syncs' runs' rows: counted there, not twice.
  const rowed = totals.filter((t) => t.kind !== 'pipeline');
  family(
    'sluice_rows_total',
    'counter',
    'Rows of sync and retry runs by outcome: delivered, or failed (rejected by the destination, or invalid before sending).',
    rowed.flatMap((t) => [`sluice_rows_total{${id(t)},outcome="delivered"} ${t.delivered}`, `sluice_rows_total{${id(t)},outcome="failed"} ${t.failed}`]),
  );
  family(
    'sluice_run_duration_seconds',
    'histogram',
    'How long the runs that ended took, from start to finish.',
    totals.flatMap((t) => [
      ...DURATION_BUCKETS_SECONDS.map((bound, i) => `sluice_run_duration_seconds_bucket{${id(t)},le="${bound}"} ${t.durations.buckets[i] ?? 0}`),
      `sluice_run_duration_seconds_bucket{${id(t)},le="+Inf"} ${t.durations.count}`,
      `sluice_run_duration_seconds_sum{${id(t)}} ${Number(t.durations.sumSeconds.toFixed(3))}`,
      `sluice_run_duration_seconds_count{${id(t)}} ${t.durations.count}`,
    ]),
  );
  return `${lines.join('\n')}\n`;
}

/** A label value escaped as the text format wants: backslash, double quote and line feed. */
function labelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
