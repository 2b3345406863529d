import type { ConnectorSpec } from '../config/connector-schema.js';
import { secretReference, secretStoreName } from '../config/secret-reference.js';
import type { Redactor } from '../log/redactor.js';
import type { StateStore } from '../state/state-store.js';
import { HttpError } from './http-error.js';
import { isMaskedForm, MASK, replaceUrlPassword, secretPlaces, setValueAt, urlPasswordOf, valueAt } from './mask-raw-connection.js';

/** The variable naming the prefix of environment variables the API may reference (`${env:PREFIX...}`). */
export const API_ENV_PREFIX_VARIABLE = 'SLUICE_API_ENV_PREFIX';

/** A value that is (or holds) a reference, not a literal credential. */
const REFERENCE = /\$\{(env|secret):/;
const ENV_REFERENCE = /\$\{env:([^}:]*)(?::-[^}]*)?\}/g;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every string of a JSON-like value, with its key path. */
function strings(value: unknown, path: string[] = []): { path: string[]; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => strings(v, [...path, k]));
  return [];
}

/** Where a connection's credentials go: what must stay the same for a `"****"` to keep a stored secret. */
function credentialDestination(raw: unknown, spec: ConnectorSpec | undefined): string {
  if (!isObject(raw)) return '';
  const pick = (...keys: string[]) => keys.map((k) => raw[k]);
  switch (raw.type) {
    case 'http': {
      // The config fields the base URL and the OAuth URLs are built from (`https://{{ config.space }}.backlog.com`).
      // A connection's own base_url replaces the connector's, and the fields that built it.
      const templates = [raw.base_url === undefined ? spec?.base_url ?? '' : '', ...(spec?.auth ?? []).flatMap((a) => ('token_url' in a ? [a.token_url ?? '', a.type === 'oauth2' ? a.refresh_url ?? '' : ''] : a.type === 'session' ? [a.login.path] : []))];
      const fields = [...new Set(templates.flatMap((t) => [...t.matchAll(/config\.(\w+)/g)].map((m) => m[1]!)))].sort();
      const config = isObject(raw.config) ? raw.config : {};
      return JSON.stringify([raw.type, raw.connector, raw.base_url, raw.auth && isObject(raw.auth) ? raw.auth.type : undefined, fields.map((f) => config[f])]);
    }
    case 'postgres':
    case 'mysql':
      return JSON.stringify([raw.type, typeof raw.url === 'string' ? replaceUrlPassword(raw.url, () => '') : raw.url, isObject(raw.ssh) ? [raw.ssh.host, raw.ssh.port, raw.ssh.username] : null]);
    case 'bigquery':
      return JSON.stringify([raw.type, ...pick('api_endpoint', 'token_url', 'credentials', 'project_id')]);
    default:
      return JSON.stringify([raw.type, ...pick('path', 'url')]);
  }
}

/** What `prepareConnectionEdit` gives back: the value to write, and the secrets it stored (dropped if the save fails). */
export interface PreparedConnectionEdit {
  value: Record<string, unknown>;
  stored: string[];
}

/**
 * Turns a connection sent to `PUT /api/connections/:name` into what sluice.yaml may hold, so that secrets stay
 * write-only and cannot be steered elsewhere:
 * - a credential typed in is stored encrypted in the state store and the file gets `${secret:NAME}`;
 * - `"****"` keeps the stored value only while the credential's destination (connector, base URL, token URL,
 *   database host) is unchanged: otherwise the credential must be entered again;
 * - `${secret:...}` references are written by the server only (one cannot point at another secret);
 * - a new `${env:NAME}` must start with the prefix the operator chose (`SLUICE_API_ENV_PREFIX`), so the API cannot
 *   read the server's environment into a URL.
 */
export async function prepareConnectionEdit(options: {
  name: string;
  existing: unknown;
  incoming: Record<string, unknown>;
  spec: ConnectorSpec | undefined;
  env: NodeJS.ProcessEnv;
  store: StateStore;
  /** The project's redactor: a secret URL comes back as it shows it (`https://host/****`). */
  redactor?: Redactor;
}): Promise<PreparedConnectionEdit> {
  const { name, existing, incoming, spec, env, store, redactor } = options;
  const prefix = env[API_ENV_PREFIX_VARIABLE] ?? '';

  for (const { path, text } of strings(incoming)) {
    const before = valueAt(existing, path);
    if (before === text) continue;
    const where = `connections.${name}.${path.join('.')}`;
    if (text.includes('${secret:')) {
      throw new HttpError(400, `${where}: \${secret:...} references are written by the server when a secret is entered: send the value itself, or "${MASK}" to keep the stored one`);
    }
    for (const [, variable] of text.matchAll(ENV_REFERENCE)) {
      if (!prefix) {
        throw new HttpError(400, `${where}: \${env:${variable}} cannot be written through the API (the operator may allow names with a prefix: ${API_ENV_PREFIX_VARIABLE}=SLUICE_CONN_)`);
      }
      if (!variable!.startsWith(prefix)) {
        throw new HttpError(400, `${where}: \${env:${variable}} cannot be written through the API: only names starting with ${prefix} (${API_ENV_PREFIX_VARIABLE})`);
      }
    }
  }

  const places = secretPlaces(incoming, spec);
  const kept = places.filter((p) => {
    const before = valueAt(existing, p.path);
    const after = valueAt(incoming, p.path);
    if (before === undefined) return false;
    // A URL sent back with its password masked keeps the password, even if the rest of the URL changed.
    if (p.urlPassword && typeof after === 'string' && urlPasswordOf(after) === MASK) return true;
    return isMaskedForm(before, after, redactor);
  });
  // Compared with the kept values in place: a secret URL sent back masked is the same destination.
  const effective = structuredClone(incoming);
  for (const p of kept) {
    const before = valueAt(existing, p.path);
    const after = valueAt(incoming, p.path);
    const restored = p.urlPassword && typeof before === 'string' && typeof after === 'string' ? replaceUrlPassword(after, () => urlPasswordOf(before) ?? '') : before;
    setValueAt(effective, p.path, restored);
  }
  if (kept.length > 0 && credentialDestination(existing, spec) !== credentialDestination(effective, spec)) {
    const keys = kept.map((p) => p.path.join('.')).join(', ');
    throw new HttpError(400, `connection "${name}": where its credentials go changed (connector, base URL, token URL or host), so ${keys} must be entered again ("${MASK}" keeps a stored secret only while that stays the same)`);
  }

  const value = structuredClone(incoming);
  const stored: string[] = [];
  const keep = async (path: string[], secret: string): Promise<string> => {
    const secretName = `${name}_${path.join('_')}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    await store.putSecret(secretStoreName(secretName), secret);
    stored.push(secretName);
    return secretReference(secretName);
  };
  for (const place of places) {
    const current = valueAt(incoming, place.path);
    if (typeof current !== 'string' || kept.includes(place)) continue;
    if (place.urlPassword) {
      const password = urlPasswordOf(current);
      if (password === undefined || password === MASK || REFERENCE.test(password)) continue;
      const reference = await keep(place.path, password);
      setValueAt(value, place.path, replaceUrlPassword(current, () => reference));
    } else if (current !== '' && !REFERENCE.test(current)) {
      setValueAt(value, place.path, await keep(place.path, current));
    }
  }
  return { value, stored };
}
