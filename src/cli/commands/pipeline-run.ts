import { runPipeline } from '../../sync/run-pipeline.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';
import { createProgressPrinter } from '../progress-printer.js';

/** `sluice pipeline run NAME`: its syncs and SQL steps in order; a failed step stops it and is named. */
export async function runPipelineRun(args: { name: string; vars: Record<string, string> }, ctx: CommandContext): Promise<number> {
  const { loaded, store, close } = await openProject(ctx);
  const printer = createProgressPrinter(ctx.stderr);
  try {
    const summary = await runPipeline({
      loaded, store, pipeline: args.name, vars: args.vars,
      onProgress: (p) => printer.update(p),
      onStep: (s) => {
        printer.finish();
        if (!ctx.json) {
          const counts = s.sync ? ` (${s.sync.run.counts.delivered} delivered, ${s.sync.run.counts.failed} failed)` : '';
          ctx.stdout.write(`${s.status === 'succeeded' ? 'ok' : 'FAILED'}  ${s.step}${counts} in ${(s.durationMs / 1000).toFixed(1)}s${s.error ? `: ${s.error}` : ''}\n`);
        }
      },
    });
    if (ctx.json) ctx.stdout.write(JSON.stringify({ ok: !summary.failedStep, run: summary.run, steps: summary.steps.map(({ sync: _s, ...rest }) => rest) }) + '\n');
    else ctx.stdout.write(`pipeline ${args.name} ${summary.run.status} (run ${summary.run.id})${summary.failedStep ? `: stopped at step "${summary.failedStep}"` : ''}\n`);
    return summary.failedStep ? ExitCode.runFailed : ExitCode.ok;
  } finally {
    await close();
  }
}
