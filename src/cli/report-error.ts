import { ConfigError } from '../config/config-error.js';
import { ExitCode, type CommandContext } from './command-context.js';

/** Prints an error the way users read it and returns its exit code: 2 for configuration, 1 otherwise. */
export function reportError(error: unknown, ctx: CommandContext, mask: (s: string) => string = (s) => s): number {
  const code = error instanceof ConfigError ? ExitCode.usage : ExitCode.runFailed;
  const message = mask(error instanceof Error ? error.message : String(error));
  if (ctx.json) {
    const issues = error instanceof ConfigError ? error.issues : undefined;
    ctx.stdout.write(JSON.stringify({ ok: false, error: message, ...(issues ? { issues } : {}) }) + '\n');
  } else {
    ctx.stderr.write(`error: ${message}\n`);
  }
  if (process.env.SLUICE_DEBUG && error instanceof Error && error.stack) ctx.stderr.write(mask(error.stack) + '\n');
  return code;
}
