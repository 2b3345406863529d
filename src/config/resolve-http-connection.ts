import { createTemplateEngine, type TemplateEngine } from '../connectors/template-engine.js';
import { didYouMean } from './closest-match.js';
import type { ConnectorAuth, ConnectorSpec } from './connector-schema.js';
import { credentialUrlProblem } from './credential-url.js';
import type { Connection } from './project-schema.js';
import { urlSecrets } from './url-secrets.js';

/** An `http` connection of sluice.yaml. */
export type HttpConnectionConfig = Extract<Connection, { type: 'http' }>;

/** A value of a connector's `config:` field. */
export type ConfigValue = string | number | boolean;

/** What can be wrong with an http connection for its connector. */
export type HttpConnectionProblemKind = 'unknown_config' | 'config_type' | 'missing_config' | 'base_url' | 'auth_type';

/** One thing wrong with an http connection; callers place it (a line in sluice.yaml, a ConfigError). */
export interface HttpConnectionProblem {
  kind: HttpConnectionProblemKind;
  /** Where, under `connections.<name>`: `['config', 'space']`, `['base_url']`, `['auth', 'type']`. */
  path: string[];
  message: string;
  /** On a base_url problem: the URL is the connector's (rendered), not the connection's own `base_url`. */
  fromConnector?: boolean;
}

/** An http connection resolved against its connector: what loading checks and what a run opens. */
export interface ResolvedHttpConnection {
  name: string;
  connection: HttpConnectionConfig;
  spec: ConnectorSpec;
  /** The config templates see (`config.*`): the connector's defaults overlaid with the connection's values, converted to the declared types. */
  config: Record<string, ConfigValue>;
  /** Values every output masks: `secret: true` config values and the secret parts of the base URL. */
  secrets: string[];
  /** The connector's `base_url` rendered with the config; undefined when it renders empty (or, when loading, fails). */
  connectorBaseUrl: string | undefined;
  /** The connection's `base_url`, else the connector's. */
  baseUrl: string | undefined;
  /** The connector's auth kind that the connection's `auth.type` selects; undefined when the connector accepts no such kind. */
  authKind: ConnectorAuth | undefined;
  /** Everything wrong, in the order a reader meets it; empty when the connection can be opened. */
  problems: HttpConnectionProblem[];
}

/** The run a connection is opened for: its base URL may use `vars` and `run`, and is then checked. */
export interface HttpConnectionRun {
  /** The engine that renders the connector's templates (it places a failing template in its error). */
  templates: TemplateEngine;
  vars: Record<string, unknown>;
  run: { id: string; started_at: string };
}

export interface ResolveHttpConnectionOptions {
  /** Where `SLUICE_ALLOWED_HOSTS` is read (hosts that may be reached over plain http); default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * The run opening the connection. Without it (loading a project) the connector's base URL is rendered without the
   * run's vars, so it is only used to know its secrets: a render error or a refused URL waits for the run.
   */
  run?: HttpConnectionRun;
}

/**
 * The one resolution of an http connection (DESIGN §6): loading reports its problems, a run opens it, `connect` and
 * the OAuth routes read its config and auth kind. Every config field given is known and of its declared type
 * (strings from `${env:}` are converted), every required one is given, the base URL may carry credentials, and the
 * connector accepts the connection's auth type.
 */
export function resolveHttpConnection(
  name: string,
  connection: HttpConnectionConfig,
  spec: ConnectorSpec,
  options: ResolveHttpConnectionOptions = {},
): ResolvedHttpConnection {
  const problems: HttpConnectionProblem[] = [];
  const secrets: string[] = [];
  const config: Record<string, ConfigValue> = {};
  const fields = spec.config;

  for (const [key, value] of Object.entries(connection.config)) {
    const field = fields[key];
    if (!field) {
      const names = Object.keys(fields);
      const hint = didYouMean(key, names) || (names.length ? ` (it takes: ${names.join(', ')})` : ' (it takes no config)');
      problems.push({ kind: 'unknown_config', path: ['config', key], message: `unknown config key "${key}" for connector ${spec.name}${hint}` });
      continue;
    }
    const converted = convert(value, field.type);
    if (converted === undefined) {
      const message = `expected ${TYPE_NAMES[field.type]} for config "${key}" of connector ${spec.name}, got ${JSON.stringify(value)}`;
      problems.push({ kind: 'config_type', path: ['config', key], message });
      continue;
    }
    config[key] = converted;
  }
  for (const [key, field] of Object.entries(fields)) {
    if (config[key] === undefined && field.default !== undefined) config[key] = field.default;
    if (config[key] === undefined && field.required && !(key in connection.config)) {
      const message = `missing required config "${key}" for connector ${spec.name}${field.description ? ` (${field.description})` : ''}`;
      problems.push({ kind: 'missing_config', path: ['config', key], message });
    }
    if (field.secret && config[key] !== undefined) secrets.push(String(config[key]));
  }

  const connectorBaseUrl = renderBaseUrl(spec, config, options.run);
  const baseUrl = connection.base_url ?? connectorBaseUrl;
  // The URL's user info, and all of it past the host when the connector says the URL is the secret (a webhook).
  secrets.push(...urlSecrets(baseUrl, { whole: spec.base_url_secret }));
  const checked = connection.base_url ?? (options.run ? connectorBaseUrl : undefined);
  const urlProblem = checked === undefined ? null : credentialUrlProblem(checked, options.env);
  if (urlProblem) problems.push({ kind: 'base_url', path: ['base_url'], message: urlProblem, fromConnector: connection.base_url === undefined });

  const authKind = spec.auth.find((a) => a.type === connection.auth.type);
  if (!authKind) {
    const accepted = spec.auth.map((a) => a.type).join(', ');
    const message = `auth type "${connection.auth.type}" is not accepted by connector ${spec.name} (accepted: ${accepted})`;
    problems.push({ kind: 'auth_type', path: ['auth', 'type'], message });
  }
  return { name, connection, spec, config, secrets, connectorBaseUrl, baseUrl, authKind, problems };
}

/** The connector's base_url with the connection's config (and the run's vars): a run sees its template errors, loading does not. */
function renderBaseUrl(spec: ConnectorSpec, config: Record<string, ConfigValue>, run: HttpConnectionRun | undefined): string | undefined {
  if (run) return run.templates.render(spec.base_url, { config, vars: run.vars, run: run.run }, 'text', { role: 'base_url', strict: false }).trim() || undefined;
  if (!spec.base_url.includes('{{') && !spec.base_url.includes('{%')) return spec.base_url || undefined;
  try {
    const context = { config, vars: {}, run: { id: 'load', started_at: new Date().toISOString() } };
    return createTemplateEngine().render(spec.base_url, context, 'text', { role: 'base_url', strict: false }).trim() || undefined;
  } catch {
    // A template that fails here fails again when the connection opens, which reports it.
    return undefined;
  }
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
