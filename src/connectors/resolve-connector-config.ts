import { didYouMean } from '../config/closest-match.js';
import { ConfigError } from '../config/config-error.js';
import type { ConnectorSpec } from '../config/connector-schema.js';

type ConfigValue = string | number | boolean;

/**
 * The config templates see (`config.*`): the connector's defaults overlaid with the connection's values, converted
 * to the declared types. A missing required field or an unknown key is a ConfigError naming it (`where` names the
 * place: `connections.backlog.config`).
 */
export function resolveConnectorConfig(
  spec: ConnectorSpec,
  given: Record<string, ConfigValue> = {},
  where = { file: 'sluice.yaml', path: 'config' },
): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    const field = spec.config[key];
    if (!field) {
      problems.push(`unknown config "${key}" for connector ${spec.name}${didYouMean(key, Object.keys(spec.config))}`);
      continue;
    }
    const converted = convert(value, field.type);
    if (converted === undefined) problems.push(`config "${key}" of connector ${spec.name} must be ${field.type}, got ${JSON.stringify(value)}`);
    else config[key] = converted;
  }
  for (const [key, field] of Object.entries(spec.config)) {
    if (config[key] === undefined && field.default !== undefined) config[key] = field.default;
    if (config[key] === undefined && field.required && !problems.some((p) => p.includes(`"${key}"`))) {
      problems.push(`missing required config "${key}" for connector ${spec.name}${field.description ? ` (${field.description})` : ''}`);
    }
  }
  if (problems.length) throw new ConfigError(problems.map((message) => ({ file: where.file, path: where.path, message })));
  return config;
}

function convert(value: ConfigValue, type: 'string' | 'number' | 'integer' | 'boolean'): ConfigValue | undefined {
  if (type === 'string') return String(value);
  if (type === 'boolean') return typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : undefined;
  const n = typeof value === 'number' ? value : String(value).trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) return undefined;
  return n;
}
