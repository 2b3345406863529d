import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import type { UiSetup } from './open-ui-in-browser.js';

// One request at a time, so that a run's progress can be watched; two endpoints, so that the builder shows tabs.
const HOOKS = `name: hooks
title: Contact hooks
base_url: http://127.0.0.1:9
rate_limit: { concurrency: 1 }
endpoints:
  add_contact:
    operation: create
    method: POST
    path: "/hooks/contacts/{{ row.id }}"
    headers: { Content-Type: application/json }
    body: '{ "name": {{ row.name | json }}, "email": "{{ row.email }}" }'
    response:
      record_id: "{{ response.body.id }}"
  update_contact:
    operation: update
    method: PATCH
    path: "/hooks/contacts/{{ record.id }}"
    body: '{ "name": {{ row.name | json }} }'
`;

export interface ContactsToHooks {
  /** The sync's name. */
  sync: string;
  /** A comment line written above the sync, for the UI to keep when it saves sluice.yaml. */
  comment?: string;
  /** The query the sync reads from the warehouse table `contacts (id, name, email)`. */
  sql: string;
  contacts: Array<[id: number, name: string, email: string]>;
}

const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * A project whose one sync inserts the warehouse's contacts (a SQLite file) into the webhook sandbox through the
 * hooks connector, keyed by id, failing the run after 5 rejected rows.
 */
export function contactsToHooks(options: ContactsToHooks): UiSetup<WebhookSandbox> {
  return {
    sandbox: startWebhookSandbox,
    project: (sandbox) => ({
      'connectors/hooks.yaml': HOOKS,
      'sluice.yaml': [
        'version: 1',
        'connections:',
        '  warehouse: { type: sqlite, path: warehouse.db }',
        `  hooks: { type: http, connector: ./connectors/hooks.yaml, base_url: "${sandbox.url}" }`,
        'syncs:',
        ...(options.comment === undefined ? [] : [`  # ${options.comment}`]),
        `  ${options.sync}:`,
        `    from: { connection: warehouse, sql: "${options.sql}" }`,
        '    to: { connection: hooks, endpoint: add_contact }',
        '    mode: insert',
        '    key: id',
        '    on_error: { max_failed_rows: 5 }',
        '',
      ].join('\n'),
    }),
    warehouse: `create table contacts (id integer primary key, name text, email text);
      insert into contacts values ${options.contacts.map(([id, name, email]) => `(${id}, ${sqlText(name)}, ${sqlText(email)})`).join(', ')};`,
  };
}
