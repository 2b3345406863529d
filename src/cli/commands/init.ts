import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { displayPath } from '../../config/display-path.js';
import { exampleProjectFiles } from '../../config/example-project.js';
import { exportJsonSchema } from '../../config/export-json-schema.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** `sluice init [dir]`: writes a working example project; refuses a non-empty directory without --force. */
export async function runInit(args: { dir: string; force: boolean }, ctx: CommandContext): Promise<number> {
  const dir = resolve(args.dir);
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0 && !args.force) {
    const message = `${displayPath(dir) || '.'} is not empty (choose an empty directory, or add --force to write the example files into it)`;
    if (ctx.json) ctx.stdout.write(JSON.stringify({ ok: false, error: message }) + '\n');
    else ctx.stderr.write(`error: ${message}\n`);
    return ExitCode.usage;
  }
  const written: string[] = [];
  for (const [path, content] of Object.entries(exampleProjectFiles())) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    written.push(file);
  }
  written.push(...(await exportJsonSchema(join(dir, 'schemas'))));
  if (ctx.json) {
    ctx.stdout.write(JSON.stringify({ ok: true, dir, files: written }) + '\n');
    return ExitCode.ok;
  }
  for (const file of written) ctx.stdout.write(`created ${displayPath(file)}\n`);
  const cd = dir === process.cwd() ? '' : `cd ${displayPath(dir)} && `;
  ctx.stdout.write(`\nnext: ${cd}sluice validate && sluice sync preview customers_to_webhook (see README.md)\n`);
  return ExitCode.ok;
}
