import { readFile } from 'node:fs/promises';
import { parseYaml, type YamlFile } from './load-yaml.js';
import { DEFAULT_STATE } from './project-schema.js';
import { resolveEnv } from './resolve-env.js';

/** The `state:` of parsed sluice.yaml data, `${env:}` resolved; the default when absent or not a string. */
export function stateSetting(data: unknown, yaml: YamlFile, env: NodeJS.ProcessEnv = process.env): string {
  const state = (resolveEnv(data, env, yaml).data as { state?: unknown } | undefined)?.state;
  return typeof state === 'string' && state !== '' ? state : DEFAULT_STATE;
}

/**
 * The `state:` of a project file, read without checking the rest of the file: the state store must open even while
 * sluice.yaml has errors (the UI is where they get fixed) or its `${secret:}` values cannot be read (a lost key).
 */
export async function projectStateSetting(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const yaml = parseYaml(await readFile(file, 'utf8').catch(() => ''), file);
  return yaml.broken ? DEFAULT_STATE : stateSetting(yaml.data, yaml, env);
}
