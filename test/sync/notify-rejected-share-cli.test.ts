// `notify: rejected_over` counts the rows the destination refused, not the invalid ones caught before sending (issue
// #19 points 2 and 8): a run to the HubSpot simulator with 7 good rows, 1 HubSpot refuses and 2 without a key.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { startTestApi } from '../connectors/start-test-api.js';
import { runSluiceInProcess } from '../support/capture.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';

const TOKEN = 'sandbox-private-app-token';
const SECRET = 'whsec-rejected-share-5d1f0c7e';

describe('notify rejected_over with invalid rows', () => {
  let dir: string;
  let hubspot: HubSpotSandbox;
  let hook: Awaited<ReturnType<typeof startTestApi>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-rejected-share-'));
    hubspot = await startHubSpotSandbox();
    hook = await startTestApi(() => ({ status: 200, body: { ok: true } }));
    Object.assign(process.env, { SHARE_HUBSPOT_URL: hubspot.url, SHARE_HUBSPOT_TOKEN: TOKEN, SHARE_HOOK_SECRET: SECRET });
    const target = (path: string, on: string) => [`  - on: ${on}`, `    webhook: { url: "${hook.url}/${path}", secret: "\${env:SHARE_HOOK_SECRET}" }`];
    await writeFile(
      join(dir, 'sluice.yaml'),
      sluiceYaml({
        connections: {
          model: '{ type: sqlite, path: model.db }',
          hubspot: ['type: http', 'connector: hubspot', 'base_url: "${env:SHARE_HUBSPOT_URL}"', 'auth: { type: bearer, token: "${env:SHARE_HUBSPOT_TOKEN}" }'],
        },
        syncs: {
          contacts: {
            from: '{ connection: model, table: contacts }',
            to: '{ connection: hubspot, endpoint: upsert_contacts }',
            mode: 'upsert',
            key: 'email',
            more: [
              'on_error: { max_failed_rows: 5, max_invalid_rows: 5 }',
              'notify:',
              // 1 refused of 10 planned: not more than 1 row, but more than 5%; with the invalid ones it would be 3 and 30%.
              ...target('count-1', '["rejected_over: 1"]'),
              ...target('share-5', '["rejected_over: 5%"]'),
              ...target('share-20', '["rejected_over: 20%"]'),
            ],
          },
        },
      }),
    );
    const good = Array.from({ length: 7 }, (_, i) => [`p${i}@example.com`, 'lead']);
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE contacts (email TEXT, lifecyclestage TEXT)', {
      insert: 'INSERT INTO contacts VALUES (?, ?)',
      values: [...good, ['hot@example.com', 'hot'], [null, 'lead'], [null, 'lead']],
    });
  });
  afterEach(async () => {
    for (const name of ['SHARE_HUBSPOT_URL', 'SHARE_HUBSPOT_TOKEN', 'SHARE_HOOK_SECRET']) delete process.env[name];
    await hook.close();
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('notifies on the refused rows alone: the 5% target, not the count of 1 or the 20% one', async () => {
    const run = await runSluiceInProcess(['--project', dir, 'sync', 'run', 'contacts']);
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toContain('delivered 7, failed 1, invalid 2');
    expect(hook.requests.map((r) => r.url)).toEqual(['/share-5']);
    const payload = hook.requests[0]!.json as { conditions: string[]; run: { planned: number; failed: number; invalid: number; rejected_percent: number; text: string } };
    expect(payload.conditions).toEqual(['rejected_over: 5%']);
    expect(payload.run).toMatchObject({ planned: 10, failed: 1, invalid: 2, rejected_percent: 10 });
    expect(payload.run.text).toMatch(/^sync contacts succeeded in [\d.]+m?s, 1 of 10 rows failed, 2 invalid \(run r/);
  }, 60_000);
});
