import { displayPath } from '../../config/display-path.js';
import { exportJsonSchema } from '../../config/export-json-schema.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** `sluice schema [dir]`: writes the JSON Schemas of sluice.yaml and connector specs, for editor autocompletion. */
export async function runSchema(args: { dir: string }, ctx: CommandContext): Promise<number> {
  const written = await exportJsonSchema(args.dir);
  if (ctx.json) {
    ctx.stdout.write(JSON.stringify({ ok: true, files: written }) + '\n');
  } else {
    for (const path of written) ctx.stdout.write(`wrote ${displayPath(path)}\n`);
    ctx.stdout.write(`add to a YAML file: # yaml-language-server: $schema=<path to the schema>\n`);
  }
  return ExitCode.ok;
}
