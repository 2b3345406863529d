import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A valid connector for tests: config, two auth kinds, one endpoint of each operation, a stream. */
export const TRACKER_CONNECTOR = `name: tracker
title: Issue tracker
config:
  space: { type: string, required: true, description: "the subdomain of your space" }
  page_size: { type: integer, default: 50 }
  signing_secret: { type: string, secret: true }
base_url: "https://{{ config.space }}.tracker.test"
auth:
  - { type: api_key, in: query, name: apiKey }
  - type: oauth2
    authorization_url: "https://{{ config.space }}.tracker.test/oauth/authorize"
    token_url: "https://{{ config.space }}.tracker.test/oauth/token"
endpoints:
  add_issue:
    operation: create
    path: /issues
    headers: { Content-Type: application/json }
    body: |
      { "summary": {{ row.summary | json }},
        "priority": "{% if row.urgent %}high{% else %}normal{% endif %}" }
    response: { record_id: "{{ response.body.id }}", success: "response.body.ok != false" }
  update_issue: { operation: update, method: PATCH, path: "/issues/{{ record.id }}" }
  upsert_issue: { operation: upsert, method: PUT, path: "/issues/{{ row.key }}" }
  delete_issue: { operation: delete, method: DELETE, path: "/issues/{{ record.id }}" }
  find_issue: { operation: lookup, method: GET, path: /issues, query: { key: "{{ row.key }}" } }
streams:
  issues: { path: /issues, paginate: { type: offset } }
`;

/** Writes files into a fresh temp directory; returns it and a cleanup. */
export async function writeProject(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
