import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startWebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

const ui = openUiInBrowser({ sandbox: startWebhookSandbox, project: () => ({ 'sluice.yaml': 'version: 1\nconnections: {}\n' }) });

/** Replaces the whole text of a CodeMirror editor the way typing would (select all, insert). */
async function fillEditor(page: Page, testId: string, text: string) {
  const content = page.getByTestId(testId).locator('.cm-content');
  await content.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await content.fill(text);
}

describe('the connector builder', () => {
  it('builds a connector from scratch against the webhook sandbox: live preview, YAML round trip, test request, save', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/connectors/new?token=${ui.server.token}`);

    // The form: name, title, base URL, an endpoint with its path and a Liquid body.
    await page.locator('input[name=name]').fill('crm_hooks');
    await page.locator('input[name=title]').fill('CRM hooks');
    await page.locator('input[name=base_url]').fill(ui.sandbox.url);
    // The endpoint's own path and method come first (its job's requests have theirs below).
    await page.getByTestId('endpoint-form').locator('input[name=path]').first().fill('/hooks/contacts');
    await fillEditor(page, 'body-editor', '{ "name": {{ row.name | json }}, "email": "{{ row.email }}" }');
    await page.locator('textarea[name=sample_rows]').fill('[{ "id": 1, "name": "Ada \\"the countess\\"", "email": "ada@example.com" }]');

    // The live preview renders the request as curl, the body escaped in JSON mode.
    const curl = page.getByTestId('curl').first();
    await eventually(() => curl.textContent()).toContain(`curl -X POST '${ui.sandbox.url}/hooks/contacts'`);
    await eventually(() => curl.textContent()).toContain('"name": "Ada \\"the countess\\""');
    expect(await curl.textContent()).toContain('"email": "ada@example.com"');

    // A sample row without a column the body uses: the preview says which variable is missing.
    await page.locator('textarea[name=sample_rows]').fill('[{ "id": 2, "email": "grace@example.com" }]');
    await eventually(() => page.getByTestId('request-error').or(page.getByTestId('render-error')).first().textContent()).toContain('name');
    await page.locator('textarea[name=sample_rows]').fill('[{ "id": 1, "name": "Ada Lovelace", "email": "ada@example.com" }]');
    await eventually(() => curl.textContent()).toContain('"name": "Ada Lovelace"');

    // Form → YAML: the YAML view shows what the form wrote.
    await page.getByRole('button', { name: 'YAML', exact: true }).click();
    const yamlText = () => page.getByTestId('yaml-editor').locator('.cm-content').innerText();
    await eventually(yamlText).toContain('name: crm_hooks');
    expect(await yamlText()).toContain('path: /hooks/contacts');
    expect(await yamlText()).toContain('"email": "{{ row.email }}"');

    // YAML → form: a second endpoint typed in YAML appears as a tab with its fields.
    await fillEditor(
      page,
      'yaml-editor',
      [
        'name: crm_hooks',
        'title: CRM webhooks',
        `base_url: ${ui.sandbox.url}`,
        'auth:',
        '  - type: none',
        'endpoints:',
        '  create_record:',
        '    operation: create',
        '    method: POST',
        '    path: /hooks/contacts',
        '    headers:',
        '      Content-Type: application/json',
        '    body: \'{ "name": {{ row.name | json }}, "email": "{{ row.email }}" }\'',
        '    response:',
        '      record_id: "{{ response.body.id }}"',
        '  update_record:',
        '    operation: update',
        '    method: PATCH',
        '    path: "/hooks/contacts/{{ record.id }}"',
        '',
      ].join('\n'),
    );
    await page.getByRole('button', { name: 'Form', exact: true }).click();
    await eventually(() => page.locator('input[name=title]').inputValue()).toBe('CRM webhooks');
    await page.getByRole('tab', { name: 'update_record' }).click();
    expect(await page.getByTestId('endpoint-form').locator('input[name=path]').first().inputValue()).toBe('/hooks/contacts/{{ record.id }}');
    expect(await page.getByTestId('endpoint-form').locator('select[name=method]').first().inputValue()).toBe('PATCH');
    await page.getByRole('tab', { name: 'create_record' }).click();
    await ui.browser.screenshot('connector-builder');

    // Send test request: the sandbox receives the rendered body; the panel shows status and response.
    await page.getByRole('button', { name: 'Send test request' }).click();
    const sent = page.getByTestId('sent-response');
    await eventually(() => sent.textContent()).toContain('HTTP 200');
    expect(await page.getByTestId('sent-body').textContent()).toContain('"id": "1"');
    expect(ui.sandbox.state.hooks).toHaveLength(1);
    expect(ui.sandbox.state.hooks[0]).toMatchObject({ method: 'POST', path: '/hooks/contacts', body: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    await ui.browser.screenshot('connector-builder-sent');

    // Save writes the spec into the project; the connectors list shows it.
    await page.getByRole('button', { name: 'Save' }).click();
    const saved = page.getByTestId('saved');
    await eventually(() => saved.textContent()).toContain('crm_hooks');
    expect(page.url()).toBe(`${ui.server.url}/connectors/crm_hooks`);
    const savedText = (await saved.textContent()) ?? '';
    const file = /Saved to (.+)\.$/.exec(savedText)?.[1] ?? '';
    const written = await readFile(file.startsWith('/') ? file : join(ui.server.dir, file), 'utf8');
    expect(written).toContain('title: CRM webhooks');
    expect(written).toContain('update_record:');

    await page.getByTestId('nav-connectors').click();
    await eventually(() => page.locator('table').textContent()).toContain('crm_hooks');
    expect(await page.locator('tr', { hasText: 'crm_hooks' }).textContent()).toContain('create_record, update_record');
    await ui.browser.screenshot('connectors');
  });
});
