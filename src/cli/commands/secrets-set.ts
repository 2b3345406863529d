import { findProjectFile } from '../../config/load-project.js';
import { SECRET_NAME, secretReference, secretStoreName } from '../../config/secret-reference.js';
import { openProjectStore } from '../../state/open-project-store.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** The longest secret value taken (a private key fits; a stray file does not). */
const MAX_SECRET_BYTES = 64 * 1024;

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_SECRET_BYTES) throw new Error(`the secret is longer than ${MAX_SECRET_BYTES / 1024} KiB`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `sluice secrets set NAME`: stores a value read from standard input (never from the command line, where shell
 * history and `ps` would see it) encrypted in the state store, for sluice.yaml to reference as `${secret:NAME}`.
 */
export async function runSecretsSet(args: { name: string }, ctx: CommandContext): Promise<number> {
  if (!SECRET_NAME.test(args.name)) {
    ctx.stderr.write(`error: invalid secret name "${args.name}" (letters, digits, _ . -; starting with a letter or _)\n`);
    return ExitCode.usage;
  }
  // One trailing newline is what `echo` and a terminal add; anything else is the value as given.
  const value = (await readAll(ctx.stdin ?? process.stdin)).replace(/\r?\n$/, '');
  if (value === '') {
    ctx.stderr.write('error: no value on standard input (example: printf %s "$TOKEN" | sluice secrets set NAME)\n');
    return ExitCode.usage;
  }
  const file = await findProjectFile(ctx.project, process.cwd());
  const store = await openProjectStore(file);
  try {
    await store.putSecret(secretStoreName(args.name), value);
  } finally {
    await store.close();
  }
  if (ctx.json) ctx.stdout.write(JSON.stringify({ ok: true, name: args.name, reference: secretReference(args.name) }) + '\n');
  else ctx.stdout.write(`stored secret ${args.name} (encrypted); reference it in sluice.yaml as ${secretReference(args.name)}\n`);
  return ExitCode.ok;
}
