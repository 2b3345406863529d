import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { parseYaml } from '../config/load-yaml.js';

/** sluice.yaml as written (no `${env:}` resolved, no defaults filled): its text and its data. */
export async function readRawProject(file: string): Promise<{ text: string; data: Record<string, unknown> }> {
  const text = await readFile(file, 'utf8');
  const yaml = parseYaml(text, basename(file));
  if (yaml.broken) throw new ConfigError(yaml.issues);
  const data = yaml.data;
  return { text, data: typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {} };
}

/** One entry of a section (`connections`, `syncs`, `pipelines`) as written, or undefined. */
export function rawEntry(data: Record<string, unknown>, section: string, name: string): unknown {
  const entries = data[section];
  return typeof entries === 'object' && entries !== null ? (entries as Record<string, unknown>)[name] : undefined;
}
