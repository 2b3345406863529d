import { runSync, type RunSummary } from '../../sync/run-sync.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';
import { createProgressPrinter } from '../progress-printer.js';

/** `sluice sync run NAME`: plan, send, record; exit 1 when the run failed. */
export async function runSyncRun(args: { name: string; vars: Record<string, string>; full: boolean }, ctx: CommandContext): Promise<number> {
  const { loaded, store, close } = await openProject(ctx);
  const printer = createProgressPrinter(ctx.stderr);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
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
  for (const e of s.sampleErrors) lines.push(`  rejected ${e.key}: ${e.error}`);
  const unsent = c.failed + (c.invalid ?? 0);
  if (unsent > s.sampleErrors.length && unsent > 0) lines.push(`  see: sluice sync rejected ${s.run.name}`);
  if (s.run.error) lines.push(`  error: ${s.run.error}`);
  return lines.join('\n') + '\n';
}
