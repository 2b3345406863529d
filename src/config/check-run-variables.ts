import { didYouMean } from './closest-match.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { displayPath } from './display-path.js';
import type { LoadedProject } from './load-project.js';
import { BUILTIN_SQL_VARIABLES, variableValueIssues } from './resolve-sql-variables.js';

/** What a run is asked for: one sync, or a pipeline (its sync steps). */
export type RunTarget = { kind: 'sync'; name: string } | { kind: 'pipeline'; name: string };

/**
 * Checks run-time variable values (`--var`, or `vars` in an API request) before a run is recorded or anything is
 * opened: a name no sync of the run declares (nor a built-in) is refused with the nearest one, and each value must
 * fit its declared type and go into the sync's SQL safely on that sync's engine. Throws a ConfigError (exit 2).
 * An unknown sync or pipeline is left to the caller, which names it.
 */
export function checkRunVariables(loaded: LoadedProject, target: RunTarget, vars: Record<string, string> | undefined): void {
  const given = Object.keys(vars ?? {});
  if (!given.length) return;
  const file = displayPath(loaded.file);
  const syncs = runSyncNames(loaded, target);
  if (!syncs) return;
  const issues: ConfigIssue[] = [];
  const declared = [...new Set(syncs.flatMap((s) => Object.keys(loaded.project.syncs[s]?.from.variables ?? {})))];
  const known = [...new Set<string>([...BUILTIN_SQL_VARIABLES, ...declared])];
  const where = target.kind === 'sync' ? `syncs.${target.name}.from.variables` : `pipelines.${target.name}`;
  const who = target.kind === 'sync' ? `sync ${target.name} declares` : `no sync of pipeline ${target.name} declares`;
  for (const name of given.filter((n) => !known.includes(n))) {
    const builtins = BUILTIN_SQL_VARIABLES.filter((b) => b !== 'run_id' && !declared.includes(b));
    issues.push({
      file,
      path: where,
      message:
        `--var ${name}: ${target.kind === 'sync' ? `${who} no variable` : who} "${name}"${didYouMean(name, known)} ` +
        `(declared: ${declared.join(', ') || 'none'}; built-in: ${builtins.join(', ')})`,
    });
  }
  for (const name of syncs) {
    const sync = loaded.project.syncs[name];
    if (!sync) continue;
    const type = loaded.project.connections[sync.from.connection]?.type;
    issues.push(
      ...variableValueIssues(sync.from.variables, {
        overrides: pickSyncVariables(loaded, name, vars),
        runId: 'check',
        where: { file, path: `syncs.${name}.from` },
        engine: type === 'http' ? undefined : type,
        sql: type !== 'http',
      }),
    );
  }
  if (issues.length) throw new ConfigError(issues);
}

/** The run-time values one sync takes: those of its declared variables and of the built-ins (a pipeline gives every step the same `--var`s). */
export function pickSyncVariables(loaded: LoadedProject, syncName: string, vars: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!vars) return vars;
  const declared = loaded.project.syncs[syncName]?.from.variables ?? {};
  const takes = (name: string) => name in declared || (BUILTIN_SQL_VARIABLES as readonly string[]).includes(name);
  return Object.fromEntries(Object.entries(vars).filter(([name]) => takes(name)));
}

/** The syncs a run reads variables for, or undefined when the sync or pipeline does not exist. */
function runSyncNames(loaded: LoadedProject, target: RunTarget): string[] | undefined {
  if (target.kind === 'sync') return loaded.project.syncs[target.name] ? [target.name] : undefined;
  const pipeline = loaded.project.pipelines[target.name];
  if (!pipeline) return undefined;
  return pipeline.steps.flatMap((step) => (typeof step === 'string' ? [step] : 'sync' in step ? [step.sync] : []));
}

