import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { connectionSchema, type ConnectionAuth } from '../../src/config/project-schema.js';
import { openHttpConnection, type HttpConnection } from '../../src/connectors/open-http-connection.js';
import { Redactor } from '../../src/log/redactor.js';

/** Opens an HTTP connection to a test API from a partial connector spec (fast retries, base URL = the server). */
export async function openTestConnection(
  spec: Record<string, unknown>,
  baseUrl: string,
  options: { auth?: ConnectionAuth; config?: Record<string, string | number | boolean>; redactor?: Redactor } = {},
): Promise<HttpConnection> {
  const parsed = connectorSpecSchema.parse({
    name: 'test_api',
    base_url: baseUrl,
    retry: { max_attempts: 2, initial_delay_ms: 1, max_delay_ms: 5 },
    ...spec,
  });
  const connection = connectionSchema.parse({ type: 'http', connector: 'test_api', config: options.config ?? {}, auth: options.auth ?? { type: 'none' } });
  if (connection.type !== 'http') throw new Error('unreachable');
  return openHttpConnection({
    name: 'api',
    connection,
    spec: parsed,
    redactor: options.redactor ?? new Redactor(),
    run: { id: 'run-1', started_at: '2026-01-02T03:04:05.000Z' },
  });
}
