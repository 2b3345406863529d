import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerFixture, type ServerFixture } from '../server/server-project.js';

// A server with no SLUICE_ALLOWED_HOSTS: its own loopback sink is as private as a metadata service would be.
let f: ServerFixture;

beforeAll(async () => {
  f = await startServerFixture({ server: { env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: '' } } });
});

afterAll(async () => {
  await f?.close();
});

async function api(method: 'GET' | 'POST', url: string, payload?: object) {
  const response = await f.server.app.inject({ method, url, headers: f.auth, ...(payload ? { payload } : {}) });
  return { status: response.statusCode, json: response.json() as any };
}

const notAllowed = 'the address is not allowed (server mode refuses private, loopback and link-local addresses; allow it with SLUICE_ALLOWED_HOSTS)';

describe('requests the server sends for API users', () => {
  it('do not reach a loopback service through a connection test', async () => {
    const { json } = await api('POST', '/api/connections/sink/test');
    expect(json.ok).toBe(false);
    expect(json.message).toContain(notAllowed);
    expect(f.sink.state.hooks).toHaveLength(0);
  });

  it.each(['https://169.254.169.254/latest/meta-data', 'http://127.0.0.1:6379', 'http://[::ffff:127.0.0.1]:5432', 'https://10.0.0.1', 'https://localhost:8443'])(
    'do not reach %s through a builder send, and say nothing of what is there',
    async (target) => {
      const yaml = `name: probe\nbase_url: "${target}"\nendpoints:\n  get: { operation: create, method: GET, path: / }\n`;
      const { status, json } = await api('POST', '/api/connectors/send', { yaml, endpoint: 'get', rows: [{ id: 1 }] });
      expect(status).toBe(200);
      expect(json.status).toBeNull();
      expect(json.error).toContain(notAllowed);
      expect(JSON.stringify(json)).not.toMatch(/ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|redis|postgres/i);
    },
  );

  it('do not reach a loopback service through a run the API starts: nothing arrives, the run fails', async () => {
    const started = await api('POST', '/api/syncs/orders_to_sink/runs', {});
    expect(started.status).toBe(202);
    let run = { status: 'running', error: null as string | null };
    for (let i = 0; i < 200 && (run.status === 'running' || run.status === 'queued'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await api('GET', `/api/runs/${started.json.runId}`)).json;
    }
    expect(run.status).toBe('failed');
    expect(run.error).toContain(notAllowed);
    expect(f.sink.state.hooks).toHaveLength(0);
  });
});
