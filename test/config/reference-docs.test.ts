import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigIssue, ConfigError } from '../../src/config/config-error.js';
import { readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { loadProject } from '../../src/config/load-project.js';
import { CONNECTOR_SCHEMA_FILE, CONNECTOR_TESTS_SCHEMA_FILE, PROJECT_SCHEMA_FILE, jsonSchemas } from '../../src/config/export-json-schema.js';
import { REFERENCE_FILES, REGENERATE_COMMAND, referenceDocs, referenceSections, renderReference } from '../../src/config/reference-docs.js';
import { connectorExamples, connectorTestExamples, projectExamples, type ReferenceExample } from '../../src/config/reference-examples.js';
import { loadTestCases } from '../../src/connectors/test-cases/load-test-cases.js';
import { runTestCases } from '../../src/connectors/test-cases/run-test-cases.js';
import { writeProject } from './write-project.js';

const schemas = jsonSchemas() as Record<string, { [key: string]: unknown }>;
const connectorSections = referenceSections(schemas[CONNECTOR_SCHEMA_FILE]!);
const projectSections = referenceSections(schemas[PROJECT_SCHEMA_FILE]!);
const testSections = referenceSections(schemas[CONNECTOR_TESTS_SCHEMA_FILE]!);

// `npm run docs` runs this file with --update: the committed reference is rewritten from the schema. Without it, a
// reference that differs from what the schema gives now fails here (in CI too), naming the command that fixes it.
describe('the generated key reference (docs/)', () => {
  it.each(Object.entries(referenceDocs()))('%s is what the schema gives now', async (file, generated) => {
    await expect(generated, `${file} is out of date with the schema: run \`${REGENERATE_COMMAND}\` and commit it`).toMatchFileSnapshot(join('../..', file));
  });

  it('documents every key of the connector spec with its type, default and description, from the schema', () => {
    const doc = referenceDocs()[REFERENCE_FILES.connector]!;
    expect(doc).toContain('## `streams.NAME.paginate` (type: `cursor`)');
    expect(doc).toContain('| `in` | one of: `query`, `body` | `query` | Where the token is sent');
    expect(doc).toMatch(/\| `restart_after` \| integer \(1 to 100000000\) \| {2}\| For APIs that cap how deep paging goes/);
    expect(doc).toMatch(/\| `cursor_param` \(required\) \| string \(1 to 200 characters\) \|/);
    // A key whose value has keys of its own links to their section.
    expect(doc).toContain('| `partition` | [object](#streams-name-partition) |');
    for (const kind of ['none', 'api_key', 'basic', 'bearer', 'oauth2', 'session', 'jwt', 'oauth2_client_credentials']) {
      expect(doc).toContain(`## \`auth\` (type: \`${kind}\`)`);
    }
  });

  it('documents sluice.yaml: connections by type, syncs with fields, on_delete, write_back, run_log, notify, debug, partitions', () => {
    const doc = referenceDocs()[REFERENCE_FILES.project]!;
    for (const heading of ['`syncs.NAME.fields.NAME`', '`syncs.NAME.write_back`', '`syncs.NAME.run_log`', '`syncs.NAME.notify[]`', '`syncs.NAME.debug`', '`connections.NAME` (type: `http`)']) {
      expect(doc).toContain(`## ${heading}`);
    }
    expect(doc).toMatch(/\| `on_delete` \| one of: `delete`, `clear`, `ignore` \| `delete` \| What mode mirror does/);
    expect(doc).toMatch(/\| `partitions` \| integer \(1 to 64\) or `auto` \| {2}\| With SLUICE_QUEUE=redis/);
    expect(doc).toMatch(/\| `retention_days` \| integer \(0 to 90\) \| `7` \|/);
  });

  it('renders a schema it is given: types, enums, bounds, defaults, required keys and kinds (the generator itself)', () => {
    const schema = {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', description: 'A | name.' },
        size: { type: 'integer', minimum: 1, maximum: 10, default: 5, description: 'How many.' },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a', description: 'Which.' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Labels.' },
        auth: {
          description: 'How.',
          oneOf: [
            { type: 'object', properties: { type: { const: 'x', description: 'x: one kind.' }, key: { type: 'string', description: 'A key.' } } },
            { type: 'object', properties: { type: { const: 'y', description: 'y: another.' } } },
          ],
        },
      },
    };
    const doc = renderReference({ title: 'T', intro: 'I', topTitle: 'Top', schema, source: 's.ts', examples: [{ section: 'auth[type=x]', title: 'x with a key.', yaml: 'auth: { type: x, key: k }\n' }] });
    expect(doc).toContain('| `name` (required) | string |  | A \\| name. |');
    expect(doc).toContain('| `size` | integer (1 to 10) | `5` | How many. |');
    expect(doc).toContain('| `mode` | one of: `a`, `b` | `a` | Which. |');
    expect(doc).toContain('| `tags` | list of string (at least 1 item) |  | Labels. |');
    expect(doc).toContain('| `auth` | [object, by type: `x`, `y`](#auth-x) |  | How. |');
    expect(doc).toContain('## `auth` (type: `x`)\n\n| key | type | default | description |\n|---|---|---|---|\n| `type` | `x` |  | x: one kind. |\n| `key` | string |  | A key. |\n\nExample: x with a key.\n\n```yaml\nauth: { type: x, key: k }\n```');
  });
});

/** The names ${env:NAME} reads in a file, each given a value so the example loads as it would for a user who set them. */
const envOf = (yaml: string) => Object.fromEntries([...yaml.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => [m[1]!, `value-of-${m[1]}`]));

const sectionIds = (sections: { id: string }[]) => new Set(sections.map((s) => s.id));

describe('the examples of the key reference', () => {
  it.each(connectorExamples.map((e) => [e.section || 'top level', e] as const))('connector example for %s is a valid connector spec', async (_section, example: ReferenceExample) => {
    const project = await writeProject({ 'example.yaml': example.yaml });
    try {
      const { issues } = await readConnectorSpec(join(project.dir, 'example.yaml'), project.dir);
      expect(issues.map(formatConfigIssue)).toEqual([]);
    } finally {
      await project.cleanup();
    }
  });

  it.each(projectExamples.map((e) => [e.section || 'top level', e.title, e] as const))('project example for %s (%s) loads as sluice validate loads it', async (_section, _title, example: ReferenceExample) => {
    const project = await writeProject({ 'sluice.yaml': example.yaml });
    try {
      await loadProject({ project: project.dir, cwd: project.dir, env: envOf(example.yaml) }).catch((e: unknown) => {
        throw e instanceof ConfigError ? new Error(e.issues.map(formatConfigIssue).join('\n')) : e;
      });
    } finally {
      await project.cleanup();
    }
  });

  it.each(connectorExamples.filter((e) => e.section === '').flatMap((spec) => connectorTestExamples.map((e) => [e.title, spec, e] as const)))(
    'test cases example (%s) loads and passes against the connector it tests',
    async (_title, spec: ReferenceExample, example: ReferenceExample) => {
      const project = await writeProject({ 'tickets.yaml': spec.yaml, 'tickets.test.yaml': example.yaml });
      try {
        const { connector, issues } = await readConnectorSpec(join(project.dir, 'tickets.yaml'), project.dir);
        expect(issues).toEqual([]);
        const { tests } = await loadTestCases(join(project.dir, 'tickets.test.yaml'), connector!.spec).catch((e: unknown) => {
          throw e instanceof ConfigError ? new Error(e.issues.map(formatConfigIssue).join('\n')) : e;
        });
        const outcomes = await runTestCases({ spec: connector!.spec, specRef: 'tickets.yaml', tests });
        expect(outcomes.filter((o) => !o.ok)).toEqual([]);
        expect(outcomes).toHaveLength(tests.cases.length);
      } finally {
        await project.cleanup();
      }
    },
  );

  it('each belongs to a section the reference has (a renamed key does not orphan its example)', () => {
    expect(connectorExamples.map((e) => e.section).filter((s) => !sectionIds(connectorSections).has(s))).toEqual([]);
    expect(projectExamples.map((e) => e.section).filter((s) => !sectionIds(projectSections).has(s))).toEqual([]);
    expect(connectorTestExamples.map((e) => e.section).filter((s) => !sectionIds(testSections).has(s))).toEqual([]);
  });

  it('every auth kind, pagination kind and stream and endpoint feature has one', () => {
    const shown = new Set(connectorExamples.map((e) => e.section));
    const kinds = connectorSections.filter((s) => s.kind !== undefined).map((s) => s.id);
    const features = ['streams.NAME.incremental', 'streams.NAME.partition', 'streams.NAME.chunk_fields', 'streams.NAME.job', 'endpoints.NAME.batch', 'endpoints.NAME.job', 'responses[]', 'test', 'config.NAME'];
    expect([...kinds, ...features].filter((id) => !shown.has(id))).toEqual([]);
  });
});
