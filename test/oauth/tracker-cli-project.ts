import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSluice, type CommandOptions, type CommandResult } from '../examples/run-command.js';
import { sluiceYaml } from '../support/sluice-yaml.js';
import { writeSqlite } from '../support/sqlite-file.js';
import { oauthProviderConnector } from './oauth-provider-connector.js';

/**
 * Writes into `dir` a project whose sync `records` sends model.db's items (id, title) one by one to the sandbox OAuth
 * provider's records API at `providerUrl`, as client sandbox-client with the secret from TRACKER_SECRET.
 */
export async function writeTrackerProject(dir: string, providerUrl: string, options: { items: Iterable<[number, string]>; concurrency?: number }): Promise<void> {
  const connector = oauthProviderConnector({
    name: 'tracker',
    scopes: 'records.write',
    rest: [
      ...(options.concurrency ? [`rate_limit: { concurrency: ${options.concurrency} }`] : []),
      'endpoints:',
      '  add_record:',
      '    operation: create',
      '    path: /api/records',
      `    body: '{ "id": {{ row.id }}, "title": "{{ row.title }}" }'`,
      '    response: { record_id: "{{ response.body.id }}" }',
    ],
  });
  await writeFile(join(dir, 'tracker.yaml'), connector);
  const project = sluiceYaml({
    connections: {
      model: '{ type: sqlite, path: model.db }',
      tracker: [
        'type: http',
        'connector: ./tracker.yaml',
        `config: { provider: "${providerUrl}" }`,
        'auth: { type: oauth2, client_id: sandbox-client, client_secret: "${env:TRACKER_SECRET}" }',
      ],
    },
    syncs: { records: { from: '{ connection: model, table: items }', to: '{ connection: tracker, endpoint: add_record }', mode: 'insert', key: 'id' } },
  });
  await writeFile(join(dir, 'sluice.yaml'), project);
  writeSqlite(join(dir, 'model.db'), 'CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT)', { insert: 'INSERT INTO items VALUES (?, ?)', values: options.items });
}

/**
 * `sluice connect tracker` through the built CLI (in `project`, or in `cwd`), following the authorization URL it prints
 * as a browser would: the sandbox provider approves at once and redirects to the CLI's loopback callback.
 */
export function connectTracker(options: CommandOptions & { project?: string }): Promise<CommandResult> {
  let opened = false;
  const args = [...(options.project ? ['--project', options.project] : []), 'connect', 'tracker', '--no-browser', '--port', '0'];
  return runSluice(args, {
    cwd: options.cwd,
    env: options.env,
    onStdout: (printed) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(printed)?.[1];
      if (url && !opened) {
        opened = true;
        void fetch(url, { redirect: 'follow' }).catch(() => undefined);
      }
    },
  });
}
