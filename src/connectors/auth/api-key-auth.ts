import type { ConnectorAuth } from '../../config/connector-schema.js';
import type { Auth } from '../../http/auth.js';
import type { HttpRequest } from '../../http/http-request.js';
import { sleep } from '../../http/sleep.js';
import { staticAuth } from './static-auth.js';
import { withHeader } from './with-header.js';
import { queryParam, withQueryParam } from './with-query-param.js';

export type ApiKeyKind = Extract<ConnectorAuth, { type: 'api_key' }>;

/** What an api_key auth needs: the connector's kind, the connection's key or keys, and where a skipped key is told. */
export interface ApiKeyAuthOptions {
  kind: ApiKeyKind;
  credentials: { key?: string; keys?: string[] };
  connectionName: string;
  /** Told when a key is skipped for the rest of the run (its position, never its value). */
  warn?: (message: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An API key in a header (`<name>: [<scheme> ]<key>`) or in the query string (`?<name>=<key>`). With several keys
 * (`keys:`), requests take them in turn, each within its own `per_key_requests_per_second`, and a key the API
 * refuses is skipped for the rest of the run.
 */
export function createApiKeyAuth(options: ApiKeyAuthOptions): Auth {
  const { kind } = options;
  const keys = options.credentials.keys ?? (options.credentials.key === undefined ? [] : [options.credentials.key]);
  if (keys.length === 0) throw new Error(`connection "${options.connectionName}" gives no API key: give auth: { type: api_key, key } (or keys: [...])`);
  const place = (request: HttpRequest, key: string) =>
    kind.in === 'query' ? withQueryParam(request, kind.name, key) : withHeader(request, kind.name, kind.scheme ? `${kind.scheme} ${key}` : key);
  if (keys.length === 1 && kind.per_key_requests_per_second === undefined) return staticAuth('api_key', keys, (request) => place(request, keys[0]!));
  return keyRotation(options, keys, place);
}

/** One key of a rotation: when it may next send, and whether the API refused it. */
interface RotatingKey {
  value: string;
  /** 1-based, as the user counts the keys in `keys:`. */
  position: number;
  nextAt: number;
  refused: boolean;
}

function keyRotation(options: ApiKeyAuthOptions, values: string[], place: (request: HttpRequest, key: string) => HttpRequest): Auth {
  const { kind, connectionName: name } = options;
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? ((ms: number) => sleep(ms));
  const intervalMs = kind.per_key_requests_per_second ? 1000 / kind.per_key_requests_per_second : 0;
  const keys: RotatingKey[] = values.map((value, i) => ({ value, position: i + 1, nextAt: 0, refused: false }));
  const warn = options.warn ?? ((message: string) => void process.stderr.write(`warning: ${message}\n`));
  /** The key each request (the object HttpClient applies on every attempt) was last sent with. */
  const sentWith = new WeakMap<HttpRequest, RotatingKey>();
  /** Refusals reported without the refused request, each to be pinned on the next request sent again. */
  let unattributed = 0;
  let turn = 0;

  const usable = () => keys.filter((k) => !k.refused);
  const refuse = (key: RotatingKey) => {
    if (key.refused) return;
    key.refused = true;
    const left = usable().length;
    warn(`connection "${name}": API key ${key.position} of ${keys.length} was refused (401/403); it is skipped for the rest of the run (${left} left)`);
  };
  const keyOf = (request: HttpRequest): RotatingKey | undefined => {
    const sent = kind.in === 'query' ? queryParam(request.url, kind.name) : headerValue(request, kind.name);
    if (sent === undefined) return undefined;
    return keys.find((k) => sent === k.value || sent === `${kind.scheme} ${k.value}`);
  };

  /** The next key in turn with room in its budget soonest; its slot is taken before any wait, so waiters never collide. */
  const take = (except: RotatingKey | undefined): RotatingKey => {
    const open = usable();
    if (open.length === 0) throw new Error(`every API key of connection "${name}" was refused (401/403): check keys 1 to ${keys.length}`);
    const candidates = open.length > 1 && except && !except.refused ? open.filter((k) => k !== except) : open;
    let best: RotatingKey | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(turn + i) % keys.length]!;
      if (!candidates.includes(key)) continue;
      if (!best || key.nextAt < best.nextAt) best = key;
      if (key.nextAt <= now()) break;
    }
    turn = (best!.position % keys.length);
    best!.nextAt = Math.max(now(), best!.nextAt) + intervalMs;
    return best!;
  };

  return {
    kind: 'api_key',
    async apply(request) {
      const previous = sentWith.get(request);
      // A request sent again after a refusal its auth was told of without the request: the key it carried is the refused one.
      if (previous && unattributed > 0) {
        unattributed--;
        refuse(previous);
      }
      const key = take(previous);
      sentWith.set(request, key);
      const delay = key.nextAt - intervalMs - now();
      if (delay > 0) await wait(delay);
      return place(request, key.value);
    },
    async refresh(failed) {
      const key = failed ? keyOf(failed) : undefined;
      if (key) refuse(key);
      else unattributed++;
      // Another key carries the request again; when none is left, its next apply says every key was refused.
      return true;
    },
    secrets: () => [...values],
    baseUrl: () => undefined,
  };
}

function headerValue(request: HttpRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(request.headers).find(([k]) => k.toLowerCase() === lower)?.[1];
}
