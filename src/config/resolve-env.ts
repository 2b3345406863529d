import type { ConfigIssue } from './config-error.js';
import type { KeyPath, YamlFile } from './load-yaml.js';
import { hasSecretReference, replaceSecretReferences, SECRET_NAME } from './secret-reference.js';

// `${env:NAME}` or `${env:NAME:-default}` (the default applies when NAME is unset or empty, as in a shell).
const REFERENCE = /\$\{env:([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Values read from the environment are treated as secrets and masked everywhere, except under keys that only ever
// hold addresses or names: masking a base URL would make every curl preview and error unreadable.
const PUBLIC_KEYS = new Set(['base_url', 'api_endpoint', 'token_url', 'connector', 'path', 'project_id', 'location', 'host', 'port', 'username', 'table', 'schedule', 'state', 'client_id', 'redirect_uri']);

/**
 * The data with every `${env:NAME}` in its strings replaced (and every `${secret:NAME}`, when `secrets` holds the
 * values read from the state store), the issues (unset or malformed), and the values read.
 */
export function resolveEnv(
  data: unknown,
  env: NodeJS.ProcessEnv,
  yaml: YamlFile,
  secrets?: ReadonlyMap<string, string | null>,
): { data: unknown; issues: ConfigIssue[]; values: string[] } {
  const issues: ConfigIssue[] = [];
  const values: string[] = [];
  // `${secret:NAME}` (when the secrets were read): always masked, whatever key holds it (a webhook URL is a secret).
  const resolveSecrets = (text: string, path: KeyPath): string =>
    replaceSecretReferences(text, (name, whole) => {
      if (!SECRET_NAME.test(name)) {
        issues.push(yaml.issue(path, `invalid secret reference "${whole}" (write \${secret:NAME}, NAME of letters, digits, _ . -)`));
        return '';
      }
      const value = secrets!.get(name);
      if (value === undefined || value === null) {
        issues.push(yaml.issue(path, `secret ${name} is not in the state store (enter it again in the web UI, or: sluice secrets set ${name})`));
        return '';
      }
      values.push(value);
      return value;
    });
  // Environment first, secrets last: a secret's value (typed by an API user) is never scanned for references.
  const resolveString = (text: string, path: KeyPath): string => {
    const resolved = text.includes('${env:') ? resolveEnvReferences(text, path) : text;
    return secrets && hasSecretReference(resolved) ? resolveSecrets(resolved, path) : resolved;
  };
  const resolveEnvReferences = (text: string, path: KeyPath): string =>
    text.replace(REFERENCE, (whole, inner: string) => {
      const sep = inner.indexOf(':-');
      const name = sep >= 0 ? inner.slice(0, sep) : inner;
      const fallback = sep >= 0 ? inner.slice(sep + 2) : undefined;
      if (!NAME.test(name)) {
        issues.push(yaml.issue(path, `invalid environment reference "${whole}" (write \${env:NAME} or \${env:NAME:-default})`));
        return '';
      }
      const value = env[name];
      // An empty value counts as unset: an empty credential or URL is never what was meant (write :- for an empty default).
      if (value !== undefined && value !== '') {
        if (!PUBLIC_KEYS.has(String(path[path.length - 1]))) values.push(value);
        return value;
      }
      if (fallback !== undefined) return fallback;
      const state = value === undefined ? 'is not set' : 'is empty';
      issues.push(yaml.issue(path, `environment variable ${name} ${state} (set it, or give a default: \${env:${name}:-value})`));
      return '';
    });
  const walk = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') return value.includes('${env:') || (secrets && hasSecretReference(value)) ? resolveString(value, path) : value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return { data: walk(data, []), issues, values };
}
