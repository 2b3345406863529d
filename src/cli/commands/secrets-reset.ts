import { findProjectFile } from '../../config/load-project.js';
import { openProjectStore } from '../../state/open-project-store.js';
import { ExitCode, type CommandContext } from '../command-context.js';

const count = (n: number) => `${n} secret${n === 1 ? '' : 's'}`;

/**
 * `sluice secrets reset --yes`: forgets every stored secret (OAuth tokens, `${secret:}` values, API tokens), the way
 * out when the key that sealed them is lost for good. Without --yes it only says what it would delete.
 */
export async function runSecretsReset(args: { yes: boolean }, ctx: CommandContext): Promise<number> {
  const file = await findProjectFile(ctx.project, process.cwd());
  // Opened although the key is lost (and sluice.yaml's \${secret:} values cannot be read): that is what this command is for.
  const store = await openProjectStore(file, { lostKeyOk: true });
  try {
    const keyIds = await store.secretKeyIds();
    if (!args.yes) {
      const what = keyIds.length ? `the stored secrets (sealed with key ${keyIds.join(', ')})` : 'the stored secrets (there are none)';
      const error = `this deletes ${what} for good; run again with --yes to do it`;
      if (ctx.json) ctx.stdout.write(JSON.stringify({ ok: false, error }) + '\n');
      else ctx.stderr.write(`error: ${error}\n`);
      return ExitCode.usage;
    }
    const deleted = await store.deleteAllSecrets();
    if (ctx.json) {
      ctx.stdout.write(JSON.stringify({ ok: true, deleted }) + '\n');
    } else {
      ctx.stdout.write(
        `deleted ${count(deleted)}; enter them again: sluice connect NAME for OAuth connections, the UI for \${secret:} values (sluice serve makes new API tokens)\n`,
      );
    }
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}
