import { didYouMean } from './closest-match.js';
import type { ConfigIssue } from './config-error.js';
import type { ConnectorSpec } from './connector-schema.js';
import { credentialUrlProblem } from './credential-url.js';
import type { YamlFile } from './load-yaml.js';
import type { Connection } from './project-schema.js';

type HttpConnection = Extract<Connection, { type: 'http' }>;
type ConfigValue = string | number | boolean;

/**
 * Checks an http connection against its connector: every required config field given, no unknown ones, values of
 * the declared type (strings from `${env:}` are converted), an auth type the connector accepts. Returns the
 * config with defaults filled in and the values of `secret: true` fields.
 */
export function checkHttpConnection(
  name: string,
  connection: HttpConnection,
  spec: ConnectorSpec,
  yaml: YamlFile,
  env: Record<string, string | undefined> = process.env,
): { config: Record<string, ConfigValue>; issues: ConfigIssue[]; secrets: string[] } {
  const issues: ConfigIssue[] = [];
  const secrets: string[] = [];
  const config: Record<string, ConfigValue> = {};
  const base = ['connections', name];
  const raw = (yaml.data as { connections?: Record<string, { config?: unknown; auth?: unknown }> } | undefined)?.connections?.[name];
  const fields = spec.config;

  for (const [key, value] of Object.entries(connection.config)) {
    const field = fields[key];
    if (!field) {
      const names = Object.keys(fields);
      const hint = didYouMean(key, names) || (names.length ? ` (it takes: ${names.join(', ')})` : ' (it takes no config)');
      issues.push(yaml.issue([...base, 'config', key], `unknown config key "${key}" for connector ${spec.name}${hint}`, 'key'));
      continue;
    }
    const converted = convert(value, field.type);
    if (converted === undefined) {
      issues.push(yaml.issue([...base, 'config', key], `expected ${TYPE_NAMES[field.type]} for config "${key}" of connector ${spec.name}, got ${JSON.stringify(value)}`));
      continue;
    }
    config[key] = converted;
  }
  for (const [key, field] of Object.entries(fields)) {
    if (config[key] === undefined && field.default !== undefined) config[key] = field.default;
    if (config[key] === undefined && field.required && !(key in connection.config)) {
      const at = raw?.config !== undefined ? [...base, 'config'] : base;
      const issue = yaml.issue(at, `missing required config "${key}" for connector ${spec.name}${field.description ? ` (${field.description})` : ''}`, 'key');
      issues.push({ ...issue, path: [...base, 'config', key].join('.') });
    }
    if (field.secret && config[key] !== undefined) secrets.push(String(config[key]));
  }

  const urlProblem = connection.base_url === undefined ? null : credentialUrlProblem(connection.base_url, env);
  if (urlProblem) issues.push(yaml.issue([...base, 'base_url'], urlProblem));

  const accepted = spec.auth.map((a) => a.type);
  if (!accepted.includes(connection.auth.type)) {
    const list = accepted.join(', ');
    issues.push(
      raw?.auth !== undefined
        ? yaml.issue([...base, 'auth', 'type'], `auth type "${connection.auth.type}" is not accepted by connector ${spec.name} (accepted: ${list})`)
        : { ...yaml.issue(base, '', 'key'), path: [...base, 'auth'].join('.'), message: `connector ${spec.name} needs auth (give auth: { type: ... } with one of: ${list})` },
    );
  }
  return { config, issues, secrets };
}

const TYPE_NAMES = { string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false' } as const;

function convert(value: ConfigValue, type: keyof typeof TYPE_NAMES): ConfigValue | undefined {
  switch (type) {
    case 'string':
      return String(value);
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) return undefined;
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      return value === 'true' ? true : value === 'false' ? false : undefined;
  }
}
