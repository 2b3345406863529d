import { adoptBaseline, type BaselineSummary } from '../../sync/adopt-baseline.js';
import { runSync, type RunSummary } from '../../sync/run-sync.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';
import { createProgressPrinter } from '../progress-printer.js';

/** `sluice sync run NAME [--full | --baseline]`: plan, send, record (a baseline records without sending); exit 1 when the run failed. */
export async function runSyncRun(args: { name: string; vars: Record<string, string>; full: boolean; baseline?: boolean }, ctx: CommandContext): Promise<number> {
  if (args.full && args.baseline) {
    ctx.stderr.write('sluice sync run: --baseline records what the destination already holds and --full sends every row again: give one of them\n');
    return ExitCode.usage;
  }
  const { loaded, store, close } = await openProject(ctx);
  const printer = createProgressPrinter(ctx.stderr);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    if (args.baseline) {
      const summary = await adoptBaseline({
        loaded, store, sync: args.name, vars: args.vars, trigger: 'cli', onProgress: (p) => printer.update(p), signal: abort.signal,
      });
      printer.finish();
      ctx.stdout.write(ctx.json ? JSON.stringify({ ...summaryJson(summary), baseline: summary.baseline }) + '\n' : formatBaseline(summary));
      return summary.run.status === 'succeeded' ? ExitCode.ok : ExitCode.runFailed;
    }
    const summary = await runSync({
      loaded, store, sync: args.name, vars: args.vars, full: args.full, trigger: 'cli',
      onProgress: (p) => printer.update(p), signal: abort.signal,
    });
    printer.finish();
    ctx.stdout.write(ctx.json ? JSON.stringify(summaryJson(summary)) + '\n' : formatSummary(summary));
    return summary.run.status === 'succeeded' ? ExitCode.ok : ExitCode.runFailed;
  } finally {
    process.off('SIGINT', onSignal);
    await close();
  }
}

/** A run summary as JSON: the run record plus plan counts and sample errors. */
export function summaryJson(s: RunSummary): object {
  return { ok: s.run.status === 'succeeded', run: s.run, plan: s.plan, durationMs: s.durationMs, errors: s.sampleErrors };
}

/** A run summary as the terminal shows it. */
export function formatSummary(s: RunSummary): string {
  const c = s.run.counts;
  const lines = [
    `${s.run.kind} ${s.run.name} ${s.run.status} in ${(s.durationMs / 1000).toFixed(1)}s (run ${s.run.id})`,
    s.plan
      ? `  planned ${c.planned}: ${c.added} added, ${c.changed} changed, ${c.removed} removed, ${c.unchanged} unchanged`
      : `  planned ${c.planned}`,
    // Rows caught before sending are named only when there are some: most runs have none.
    `  delivered ${c.delivered}, failed ${c.failed}${c.invalid ? `, invalid ${c.invalid}` : ''}`,
  ];
  for (const e of s.sampleErrors) lines.push(`  rejected ${shownKey(e.key)}: ${e.error}`);
  const unsent = c.failed + (c.invalid ?? 0);
  if (unsent > s.sampleErrors.length && unsent > 0) lines.push(`  see: sluice sync rejected ${s.run.name}`);
  if (s.run.error) lines.push(`  error: ${s.run.error}`);
  return lines.join('\n') + '\n';
}

/** A baseline's summary as the terminal shows it: what it adopted, and what it left for the next run to create. */
export function formatBaseline(s: BaselineSummary): string {
  const c = s.run.counts;
  const b = s.baseline;
  const lines = [
    `baseline ${s.run.name} ${s.run.status} in ${(s.durationMs / 1000).toFixed(1)}s (run ${s.run.id}); no write was sent`,
    `  read ${s.plan?.read ?? c.planned + c.unchanged + c.invalid}: ${c.planned} to adopt, ${c.unchanged} already delivered${c.invalid ? `, invalid ${c.invalid}` : ''}`,
    `  adopted ${b.adopted} as delivered${b.lookup === null ? ' (no lookup endpoint: remote ids not looked up)' : `, ${b.found} remote ids found by ${b.lookup}`}`,
  ];
  if (b.notFound > 0) {
    const more = b.notFound > b.notFoundKeys.length ? `, and ${b.notFound - b.notFoundKeys.length} more` : '';
    lines.push(`  not found ${b.notFound}, left for the next run to create: ${b.notFoundKeys.map(shownKey).join(', ')}${more}`);
  }
  if (c.invalid) lines.push(`  see: sluice sync rejected ${s.run.name}`);
  if (s.run.error) lines.push(`  error: ${s.run.error}`);
  return lines.join('\n') + '\n';
}

/** A record key on one line: control characters (a newline, an escape sequence) written as JSON escapes. */
export function shownKey(key: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(key) ? JSON.stringify(key).slice(1, -1) : key;
}
