import type { ConnectorSpec } from './connector-schema.js';
import type { KeyPath } from './load-yaml.js';

/** One template of an endpoint's request or response: where it is in the connector file, and the role errors name. */
export interface EndpointTemplate {
  /** The key path in the connector file (`endpoints.add_issue.body`, or `headers.X` for a connector header). */
  path: KeyPath;
  /** The role rendering gives it (`body`, `query.email`, `batch.item`, `response.record_id`). */
  role: string;
  template: string;
  /** A condition (`response.success`): an expression without braces. */
  condition?: boolean;
}

/**
 * The templates a request to endpoint `name` renders, with their roles as request rendering names them: path, query,
 * headers (the connector's, unless the endpoint has one of the same name), body (a map's values one by one), batch
 * item and body, and the response templates.
 */
export function endpointTemplates(spec: ConnectorSpec, name: string): EndpointTemplate[] {
  const endpoint = spec.endpoints[name];
  if (!endpoint) return [];
  const base: KeyPath = ['endpoints', name];
  const out: EndpointTemplate[] = [{ path: [...base, 'path'], role: 'path', template: endpoint.path }];
  for (const [key, template] of Object.entries(endpoint.query)) out.push({ path: [...base, 'query', key], role: `query.${key}`, template });
  const own = new Set(Object.keys(endpoint.headers).map((h) => h.toLowerCase()));
  for (const [key, template] of Object.entries(spec.headers ?? {})) {
    if (!own.has(key.toLowerCase())) out.push({ path: ['headers', key], role: `headers.${key}`, template });
  }
  for (const [key, template] of Object.entries(endpoint.headers)) out.push({ path: [...base, 'headers', key], role: `headers.${key}`, template });
  const body = (path: KeyPath, role: string, value: unknown): void => {
    if (typeof value === 'string') out.push({ path, role, template: value });
    else if (Array.isArray(value)) value.forEach((v, i) => body([...path, i], `${role}[${i}]`, v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) body([...path, k], `${role}.${k}`, v);
  };
  if (endpoint.body !== undefined) body([...base, 'body'], 'body', endpoint.body);
  if (endpoint.batch?.item !== undefined) out.push({ path: [...base, 'batch', 'item'], role: 'batch.item', template: endpoint.batch.item });
  if (endpoint.batch?.body !== undefined) out.push({ path: [...base, 'batch', 'body'], role: 'batch.body', template: endpoint.batch.body });
  const response = endpoint.response;
  for (const key of ['record_id', 'match', 'error'] as const) {
    const template = response[key];
    if (template !== undefined) out.push({ path: [...base, 'response', key], role: `response.${key}`, template });
  }
  if (response.success !== undefined) out.push({ path: [...base, 'response', 'success'], role: 'response.success', template: response.success, condition: true });
  return out;
}
