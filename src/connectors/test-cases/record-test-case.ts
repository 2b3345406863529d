import { readFile, writeFile } from 'node:fs/promises';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { ConnectorSpec } from '../../config/connector-schema.js';
import type { HttpRequest } from '../../http/http-request.js';
import type { HttpResponse } from '../../http/http-response.js';
import type { Redactor } from '../../log/redactor.js';
import type { DeliveryResult } from '../../rows/delivery-item.js';
import type { EndpointCaseInput } from './test-cases-schema.js';

/** The largest response body kept in a case: a case is read whole on every run of the cases. */
export const MAX_RECORDED_BODY_CHARS = 256 * 1024;

/** Headers that carry credentials or sessions: kept as `****` whatever the redactor knows. */
const credentialHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token', 'x-access-token']);

/** Headers that only describe one transfer: a replay has no use for them, and they change on every call. */
const transferHeaders = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'server', 'etag', 'age', 'via', 'x-request-id']);

/** What a live exchange gives to record. */
export interface LiveExchange {
  endpoint: string;
  /** The row field holding each row's key, when the rows were keyed by one. */
  key?: string;
  /** The sample entries as given (rows, or { row, record, key }). */
  rows: Record<string, unknown>[];
  /** Config values of the connection that are not secret. */
  config: Record<string, string | number | boolean>;
  /** The request as rendered, before credentials were applied. */
  request: HttpRequest;
  response: HttpResponse;
  results: readonly DeliveryResult[];
}

/** The header names of the connector's auth kinds that carry a credential (an api_key's header, an oauth2's header). */
function authHeaderNames(spec: ConnectorSpec): Set<string> {
  const names = new Set(credentialHeaders);
  for (const kind of spec.auth) {
    const k = kind as { in?: string; name?: string; header?: string };
    if (k.in === 'header' && typeof k.name === 'string') names.add(k.name.toLowerCase());
    if (typeof k.header === 'string') names.add(k.header.toLowerCase());
  }
  return names;
}

function maskedHeaders(headers: Record<string, string>, secretNames: Set<string>, redactor: Redactor, skip: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (skip.has(lower)) continue;
    out[name] = secretNames.has(lower) ? '****' : redactor.mask(value);
  }
  return out;
}

function bodyValue(text: string, json: boolean, redactor: Redactor): unknown {
  const masked = redactor.mask(text);
  if (masked.trim() === '') return undefined;
  if (json) {
    try {
      // Parsed after masking: a secret is never held in a structure that could be written out unmasked.
      return JSON.parse(masked) as unknown;
    } catch {
      return masked;
    }
  }
  return masked;
}

const isJsonType = (type: string | undefined): boolean => type !== undefined && /[/+]json\b/i.test(type);

/**
 * The case a live exchange makes: the rows, the request as path, query, headers and body, the response, and the
 * results read from it. Every text goes through the redactor (which knows each secret in every encoding), and the
 * headers that carry credentials are `****`.
 */
export function recordedCase(name: string, exchange: LiveExchange, spec: ConnectorSpec, redactor: Redactor): EndpointCaseInput {
  const secretNames = authHeaderNames(spec);
  const { request, response } = exchange;
  if (response.text.length > MAX_RECORDED_BODY_CHARS) {
    throw new Error(`the response body has ${response.text.length} characters, more than the ${MAX_RECORDED_BODY_CHARS} a case keeps: record with fewer rows`);
  }
  const url = new URL(redactor.mask(request.url));
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const requestBody = request.body === undefined || request.body === null ? undefined : typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
  const requestType = Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  const body = requestBody === undefined ? undefined : bodyValue(requestBody, isJsonType(requestType), redactor);
  const responseBody = bodyValue(response.text, isJsonType(response.headers['content-type']), redactor);
  const rows = redactor.maskValue(exchange.rows);
  return {
    name,
    endpoint: exchange.endpoint,
    ...(Object.keys(exchange.config).length ? { config: redactor.maskValue(exchange.config) } : {}),
    ...(exchange.key !== undefined ? { key: exchange.key } : {}),
    ...(rows.length === 1 ? { row: rows[0]! } : { rows }),
    request: {
      method: request.method.toUpperCase(),
      path: url.pathname,
      ...(Object.keys(query).length ? { query } : {}),
      headers: maskedHeaders(request.headers, secretNames, redactor, new Set()),
      ...(body !== undefined ? { body } : {}),
    },
    response: {
      status: response.status,
      headers: maskedHeaders(response.headers, secretNames, redactor, transferHeaders),
      ...(responseBody !== undefined ? { body: responseBody } : {}),
    },
    results: exchange.results.map((r) => ({
      key: r.key,
      ok: r.ok,
      ...(r.remoteId !== undefined ? { remote_id: r.remoteId === null ? null : redactor.mask(r.remoteId) } : {}),
      ...(r.error !== undefined ? { error: redactor.mask(r.error) } : {}),
    })),
  };
}

/** Appends a case to a cases file (created when missing), keeping the file's comments; a taken name gets a number. */
export async function appendTestCase(file: string, testCase: EndpointCaseInput, redactor: Redactor): Promise<string> {
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const doc = parseDocument(text ?? 'cases: []\n');
  const cases = doc.get('cases', true);
  if (!isSeq(cases)) throw new Error(`${file} has no cases: list to add to`);
  const taken = new Set(cases.items.map((item) => (isMap(item) ? String(item.get('name')) : '')));
  let name = testCase.name;
  for (let n = 2; taken.has(name); n++) name = `${testCase.name} (${n})`;
  cases.flow = false;
  cases.items.push(doc.createNode({ ...testCase, name }));
  // The whole file is masked once more: nothing the redactor knows reaches the disk, whatever path it took.
  await writeFile(file, redactor.mask(doc.toString()));
  return name;
}
