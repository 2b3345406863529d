import type { ConnectorSpec } from '../config/connector-schema.js';
import type { Redactor } from '../log/redactor.js';

/** How a secret shows in API answers; sending it back unchanged keeps the stored value. */
export const MASK = '****';

const envReference = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/;
const authPublic = new Set(['type', 'client_id', 'redirect_uri']);
const sshSecrets = new Set(['password', 'private_key', 'passphrase']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A secret as shown: an `${env:NAME}` reference is no secret and stays readable; any literal value is masked. */
function maskSecret(value: unknown): unknown {
  return typeof value === 'string' && envReference.test(value) ? value : MASK;
}

/** A connection URL with its password masked (`postgres://user:****@host/db`). */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)([^@/]*)@/i, (_m, head: string, password: string) =>
    `${head}${envReference.test(password) ? password : MASK}@`,
  ).replace(/([?&]password=)[^&]*/i, `$1${MASK}`);
}

/**
 * A connection as written in sluice.yaml, with every credential masked: auth values, SSH secrets, access tokens,
 * URL passwords and the connector's `secret: true` config fields. Secrets are write-only over the API.
 */
export function maskRawConnection(raw: unknown, spec?: ConnectorSpec): unknown {
  if (!isObject(raw)) return raw;
  const out: Record<string, unknown> = { ...raw };
  if (isObject(raw.auth)) out.auth = Object.fromEntries(Object.entries(raw.auth).map(([k, v]) => [k, authPublic.has(k) ? v : maskSecret(v)]));
  if (isObject(raw.ssh)) out.ssh = Object.fromEntries(Object.entries(raw.ssh).map(([k, v]) => [k, sshSecrets.has(k) ? maskSecret(v) : v]));
  if (raw.access_token !== undefined) out.access_token = maskSecret(raw.access_token);
  if (typeof raw.url === 'string') out.url = maskUrlPassword(raw.url);
  if (isObject(raw.config) && spec) {
    out.config = Object.fromEntries(Object.entries(raw.config).map(([k, v]) => [k, spec.config[k]?.secret ? maskSecret(v) : v]));
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
