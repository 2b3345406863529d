import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { JsonSchema, Schemas } from '../../src/api/schemas.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

// A spec with one endpoint and one incremental stream, so that their forms are on the page.
const SPEC = [
  'name: shop',
  'base_url: https://shop.example.com',
  'endpoints:',
  '  create_order:',
  '    operation: create',
  '    path: /orders',
  'streams:',
  '  orders:',
  '    path: /orders',
  '    incremental:',
  '      cursor_field: updated_at',
  '      param: since',
  '',
].join('\n');

const ui = openUiInBrowser({ project: () => ({ 'sluice.yaml': 'version: 1\nconnections: {}\n', 'connectors/shop.yaml': SPEC }) });

async function connectorSchema(): Promise<JsonSchema> {
  const response = await fetch(`${ui.server.url}/api/schemas`, { headers: { authorization: `Bearer ${ui.server.token}` } });
  return ((await response.json()) as Schemas).connector;
}

/** The schema of one entry of a map of objects (an endpoint, a stream). */
const entrySchema = (schema: JsonSchema, key: string): JsonSchema => schema.properties![key]!.additionalProperties as JsonSchema;

/** The help text a field points at with aria-describedby. */
async function helpOf(page: Page, field: Locator): Promise<string | null> {
  const id = await field.getAttribute('aria-describedby');
  return id ? page.locator(`[id="${id}"]`).textContent() : null;
}

async function openShop(page: Page) {
  await page.goto(`${ui.server.url}/connectors/shop?token=${ui.server.token}`);
  await eventually(() => page.getByTestId('stream-form').isVisible()).toBe(true);
}

describe('the connector form, drawn from the connector JSON Schema', () => {
  it('shows a key added to the schema, with its description as help, and writes what is typed into the YAML', async () => {
    const { page } = ui.browser;
    // The server's schema plus keys no web file names: at the top, in an endpoint, and in a stream's incremental box.
    await page.route('**/api/schemas', async (route) => {
      const response = await route.fetch();
      const schemas = (await response.json()) as Schemas;
      const root = schemas.connector;
      root.properties!.support_email = { type: 'string', description: 'Where to write when the API misbehaves.' };
      entrySchema(root, 'endpoints').properties!.priority = { type: 'integer', minimum: 0, description: 'Endpoints with a higher priority go first.' };
      entrySchema(root, 'endpoints').properties!.idempotency = { type: 'string', enum: ['none', 'header'], default: 'none', description: 'How retries stay safe.' };
      entrySchema(root, 'streams').properties!.incremental!.properties!.overlap_pages = { type: 'integer', description: 'Pages read again before the cursor.' };
      await route.fulfill({ response, json: schemas });
    });
    try {
      await openShop(page);

      const email = page.getByLabel('support_email', { exact: true });
      expect(await helpOf(page, email)).toBe('Where to write when the API misbehaves.');
      const endpoint = page.getByTestId('endpoint-form');
      const priority = endpoint.getByLabel('priority', { exact: true });
      expect(await priority.getAttribute('type')).toBe('number');
      expect(await helpOf(page, priority)).toBe('Endpoints with a higher priority go first.');
      const idempotency = endpoint.getByLabel('idempotency', { exact: true });
      expect(await idempotency.inputValue()).toBe('none');
      expect(await helpOf(page, idempotency)).toBe('How retries stay safe.');
      const overlap = page.getByTestId('stream-form').getByLabel('overlap_pages', { exact: true });
      expect(await helpOf(page, overlap)).toBe('Pages read again before the cursor.');

      await email.fill('ops@example.com');
      await priority.fill('7');
      await idempotency.selectOption('header');
      await overlap.fill('2');
      await page.getByRole('button', { name: 'YAML', exact: true }).click();
      const yamlText = () => page.getByTestId('yaml-editor').locator('.cm-content').innerText();
      await eventually(yamlText).toContain('support_email: ops@example.com');
      const yaml = await yamlText();
      expect(yaml).toMatch(/create_order:\n(?: {4}.*\n)*? {4}priority: 7\n/);
      expect(yaml).toMatch(/create_order:\n(?: {4}.*\n)*? {4}idempotency: header/);
      expect(yaml).toMatch(/incremental:\n(?: {6}.*\n)*? {6}overlap_pages: 2/);
    } finally {
      await page.unroute('**/api/schemas');
    }
  });

  it('keeps the YAML comments when the form edits a stream', async () => {
    const { page } = ui.browser;
    await openShop(page);
    await page.getByRole('button', { name: 'YAML', exact: true }).click();
    const yamlText = () => page.getByTestId('yaml-editor').locator('.cm-content').innerText();
    const content = page.getByTestId('yaml-editor').locator('.cm-content');
    await content.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await content.fill(SPEC.replace('streams:\n', '# Orders are read newest first.\nstreams:\n').replace('    path: /orders\n    incremental', '    path: /orders # the list route\n    incremental'));
    await page.getByRole('button', { name: 'Form', exact: true }).click();
    await page.getByTestId('stream-form').getByLabel('records', { exact: true }).fill('$.data');
    await page.getByRole('button', { name: 'YAML', exact: true }).click();
    await eventually(yamlText).toContain('records: $.data');
    expect(await yamlText()).toContain('# Orders are read newest first.');
    expect(await yamlText()).toContain('path: /orders # the list route');
  });

  it("shows every key of the server's schema for an endpoint, a stream and a stream's incremental reads, each with its description", async () => {
    const { page } = ui.browser;
    const schema = await connectorSchema();
    await openShop(page);
    const boxes: [Locator, JsonSchema][] = [
      [page.getByTestId('endpoint-form'), entrySchema(schema, 'endpoints')],
      // A stream's keys: pagination, partition, job, chunk_fields, incremental and the rest.
      [page.getByTestId('stream-form'), entrySchema(schema, 'streams')],
      [page.getByTestId('stream-form').locator('details', { has: page.locator('summary', { hasText: /^incremental$/ }) }), entrySchema(schema, 'streams').properties!.incremental!],
    ];
    for (const [box, boxSchema] of boxes) {
      const text = (await box.textContent()) ?? '';
      const keys = Object.entries(boxSchema.properties ?? {});
      expect(keys.length).toBeGreaterThan(2);
      for (const [key, property] of keys) {
        expect(await box.getByText(key, { exact: true }).count(), `a field named ${key}`).toBeGreaterThan(0);
        if (property.description) expect(text, `the help of ${key}`).toContain(property.description);
      }
    }
  });
});
