import { checkConnector } from '../config/check-connector.js';
import { ConfigError } from '../config/config-error.js';
import { connectorSpecSchema, type ConnectorSpec } from '../config/connector-schema.js';
import { parseYaml } from '../config/load-yaml.js';
import { validateSchema } from '../config/validate-schema.js';

/** Connector spec text (the builder's editor) checked as a spec file is: syntax, schema, templates. Throws a ConfigError. */
export function parseConnectorYaml(text: string, file: string): ConnectorSpec {
  const yaml = parseYaml(text, file);
  if (yaml.broken) throw new ConfigError(yaml.issues);
  const { value, issues } = validateSchema(connectorSpecSchema, yaml);
  if (!value) throw new ConfigError([...yaml.issues, ...issues]);
  const all = [...yaml.issues, ...checkConnector(value, yaml)];
  if (all.length) throw new ConfigError(all);
  return value;
}
