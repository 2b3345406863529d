import { ConfigError, formatConfigIssue } from '../../config/config-error.js';
import { loadProject } from '../../config/load-project.js';
import { ExitCode, type CommandContext } from '../command-context.js';

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `sluice validate`: every issue of sluice.yaml and its connectors as `file:line:col: path: message`, or ok with counts. */
export async function runValidate(_args: Record<string, never>, ctx: CommandContext): Promise<number> {
  try {
    const { project } = await loadProject({ project: ctx.project });
    const counts = {
      connections: Object.keys(project.connections).length,
      syncs: Object.keys(project.syncs).length,
      pipelines: Object.keys(project.pipelines).length,
    };
    ctx.stdout.write(
      ctx.json
        ? JSON.stringify({ ok: true, issues: [], ...counts }) + '\n'
        : `ok: ${count(counts.connections, 'connection')}, ${count(counts.syncs, 'sync')}, ${count(counts.pipelines, 'pipeline')}\n`,
    );
    return ExitCode.ok;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    ctx.stdout.write(ctx.json ? JSON.stringify({ ok: false, issues: e.issues }) + '\n' : e.issues.map((i) => formatConfigIssue(i) + '\n').join(''));
    if (!ctx.json) ctx.stderr.write(`${count(e.issues.length, 'issue')} found\n`);
    return ExitCode.usage;
  }
}
