import { isBaselineTrigger } from '../../sync/plan-baseline.js';
import { sweepStaleRuns } from '../../sync/sweep-stale-runs.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';

/** `sluice sync runs NAME`: the run history of a sync or pipeline, newest first. */
export async function runSyncRuns(args: { name: string; limit: number }, ctx: CommandContext): Promise<number> {
  const { loaded, store, close } = await openProject(ctx);
  try {
    if (!loaded.project.syncs[args.name] && !loaded.project.pipelines[args.name]) {
      throw new Error(`unknown sync or pipeline "${args.name}"`);
    }
    // A run whose process was killed would otherwise show as running forever.
    await sweepStaleRuns(store, args.name);
    const runs = await store.listRuns(args.name, { limit: args.limit });
    const notifications = await store.listNotifications(runs.map((r) => r.id));
    if (ctx.json) {
      ctx.stdout.write(JSON.stringify({ runs, notifications }) + '\n');
      return ExitCode.ok;
    }
    if (!runs.length) {
      ctx.stdout.write(`no runs of ${args.name} yet\n`);
      return ExitCode.ok;
    }
    // Rows caught before sending get their own column once a listed run has any, as the run's summary line does.
    const invalid = runs.some((r) => r.counts.invalid > 0);
    const rows = runs.map((r) => {
      const ms = r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : null;
      const c = r.counts;
      // A baseline is a sync run that sent nothing: its kind says so, as its trigger does.
      return [r.id, isBaselineTrigger(r.trigger) ? `${r.kind} baseline` : r.kind, r.status, r.startedAt, ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`,
        String(c.planned), String(c.delivered), String(c.failed), ...(invalid ? [String(c.invalid)] : []), r.error ?? ''];
    });
    const head = ['RUN', 'KIND', 'STATUS', 'STARTED', 'TOOK', 'PLANNED', 'DELIVERED', 'FAILED', ...(invalid ? ['INVALID'] : []), 'ERROR'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
    ctx.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
    // The last attempt at each notification target of the runs listed.
    const last = new Map(notifications.map((n) => [`${n.runId} ${n.target}`, n]));
    for (const n of last.values()) {
      const answer = n.httpStatus === null ? '' : `, HTTP ${n.httpStatus}`;
      ctx.stdout.write(`run ${n.runId} ${n.target} (${n.conditions}): ${n.status} after ${n.attempt} attempt${n.attempt === 1 ? '' : 's'}${answer}${n.error ? `: ${n.error}` : ''}\n`);
    }
    return ExitCode.ok;
  } finally {
    await close();
  }
}
