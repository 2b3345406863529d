import type { ConnectorSpec } from '../config/connector-schema.js';
import type { Redactor } from '../log/redactor.js';

/** How a secret shows in API answers; sending it back unchanged keeps the stored value. */
export const MASK = '****';

const envReference = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/;
const authPublic = new Set(['type', 'client_id', 'redirect_uri']);
const sshSecrets = new Set(['password', 'private_key', 'passphrase']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a connection holds a secret: the key path of a value, and whether only a URL's password is secret there. */
export interface SecretPlace {
  path: string[];
  /** The value is a URL (a database URL) whose password part is the secret. */
  urlPassword?: boolean;
  /** The whole URL is the secret (a webhook): shown as its scheme and host, the rest masked. */
  wholeUrl?: boolean;
}

/**
 * Every place a connection as written holds a credential: auth values (but `client_id` and `redirect_uri`, which
 * are public by RFC 6749), SSH secrets, access tokens, the password of a database URL, the connector's
 * `secret: true` config fields, and the whole `base_url` when the connector marks it secret.
 */
export function secretPlaces(raw: unknown, spec?: ConnectorSpec): SecretPlace[] {
  if (!isObject(raw)) return [];
  const places: SecretPlace[] = [];
  if (isObject(raw.auth)) for (const k of Object.keys(raw.auth)) if (!authPublic.has(k)) places.push({ path: ['auth', k] });
  if (isObject(raw.ssh)) for (const k of Object.keys(raw.ssh)) if (sshSecrets.has(k)) places.push({ path: ['ssh', k] });
  if (raw.access_token !== undefined) places.push({ path: ['access_token'] });
  if (typeof raw.url === 'string') places.push({ path: ['url'], urlPassword: true });
  if (isObject(raw.config) && spec) for (const k of Object.keys(raw.config)) if (spec.config[k]?.secret) places.push({ path: ['config', k] });
  if (raw.base_url !== undefined && spec?.base_url_secret) places.push({ path: ['base_url'], wholeUrl: true });
  return places;
}

/** A URL that is itself a secret, as shown: scheme and host (public anyway), the rest masked. */
function maskWholeUrl(value: unknown): unknown {
  if (typeof value !== 'string' || envReference.test(value)) return value;
  return URL.canParse(value) ? `${new URL(value).origin}/${MASK}` : MASK;
}

/** A secret as shown: an `${env:NAME}` reference is no secret and stays readable; any literal value is masked. */
function maskSecret(value: unknown): unknown {
  return typeof value === 'string' && envReference.test(value) ? value : MASK;
}

// A database URL's password: `scheme://user:PASSWORD@`, or `password=` in its query.
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)([^@/]*)@/i;
const QUERY_PASSWORD = /([?&]password=)([^&]*)/i;

/** The password written in a connection URL (as written, still percent-encoded), or undefined. */
export function urlPasswordOf(url: string): string | undefined {
  return URL_PASSWORD.exec(url)?.[2] ?? QUERY_PASSWORD.exec(url)?.[2];
}

/** The URL with its password replaced by `replacement(password)`. */
export function replaceUrlPassword(url: string, replacement: (password: string) => string): string {
  return url
    .replace(URL_PASSWORD, (_m, head: string, password: string) => `${head}${replacement(password)}@`)
    .replace(QUERY_PASSWORD, (_m, head: string, password: string) => `${head}${replacement(password)}`);
}

/** A connection URL with its password masked (`postgres://user:****@host/db`). */
export function maskUrlPassword(url: string): string {
  return replaceUrlPassword(url, (password) => (envReference.test(password) ? password : MASK));
}

/** The value at a key path of plain objects, or undefined. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), value);
}

/** Sets the value at a key path whose parents exist. */
export function setValueAt(value: Record<string, unknown>, path: readonly string[], next: unknown): void {
  let node = value;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[path[path.length - 1]!] = next;
}

/**
 * A connection as written in sluice.yaml, with every credential masked: auth values, SSH secrets, access tokens,
 * URL passwords, the connector's `secret: true` config fields and a secret base URL. Secrets are write-only over the API.
 */
export function maskRawConnection(raw: unknown, spec?: ConnectorSpec): unknown {
  if (!isObject(raw)) return raw;
  const out = structuredClone(raw);
  for (const place of secretPlaces(raw, spec)) {
    const value = valueAt(raw, place.path);
    setValueAt(out, place.path, place.urlPassword ? maskUrlPassword(String(value)) : place.wholeUrl ? maskWholeUrl(value) : maskSecret(value));
  }
  return out;
}

/**
 * Whether an incoming value is the masked form of what the file holds (so the file keeps its secret): `****`, a URL
 * with its password masked, or the value as the project's redactor shows it (a secret base_url's `https://host/****`).
 */
export function isMaskedForm(existing: unknown, incoming: unknown, redactor?: Redactor): boolean {
  if (incoming === MASK) return true;
  if (typeof existing !== 'string' || typeof incoming !== 'string' || !incoming.includes(MASK)) return false;
  return maskUrlPassword(existing) === incoming || (redactor !== undefined && redactor.mask(existing) === incoming);
}
