// Every ```yaml block of README.md, read as a reader would read it — a whole sluice.yaml, a part of one (syncs, the
// keys of one sync), a connector, a part of one (streams, endpoints, auth, the keys of one endpoint) — is put in the
// smallest project around it and checked by `sluice validate`, in process. A block that cannot stand alone is marked
// just before it with `<!-- not checked: REASON -->` and skipped: an example that stops being valid fails here, not a reader.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { isMap, parseDocument, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorSpecSchema, endpointSchema } from '../../src/config/connector-schema.js';
import { connectionSchema, projectSchema, syncSchema } from '../../src/config/project-schema.js';
import { runSecretsSet } from '../../src/cli/commands/secrets-set.js';
import { Capture, runSluiceInProcess } from '../support/capture.js';

const ROOT = resolve(__dirname, '../..');
const README = join(ROOT, 'README.md');
/** The value every credential and secret config field of a stub connection reads (from the environment, as a user gives one). */
const SECRET_ENV = 'README_EXAMPLE_SECRET';

/** A fenced ```yaml block: where it starts (1-based line of the fence), its text (the fence's indentation removed), and why it is skipped. */
interface YamlBlock {
  line: number;
  text: string;
  notChecked: string | null;
}

/** The ```yaml blocks of a Markdown text; a block in a list item is indented as its fence is. */
function yamlBlocks(markdown: string): YamlBlock[] {
  const lines = markdown.split('\n');
  const blocks: YamlBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```yaml\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const indent = fence[1]!.length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(Math.min(indent, /^\s*/.exec(lines[i]!)![0].length)));
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const mark = before >= 0 ? /^\s*<!--\s*not checked:\s*(.+?)\s*-->\s*$/.exec(lines[before]!) : null;
    blocks.push({ line: start + 1, text: `${body.join('\n')}\n`, notChecked: mark ? mark[1]! : null });
  }
  return blocks;
}

/** What a block is, by its top-level keys, as a reader recognises it. */
type BlockKind =
  | 'project'
  | 'project part'
  | 'syncs by name'
  | 'sync keys'
  | 'connections by name'
  | 'connection keys'
  | 'connector'
  | 'connector part'
  | 'endpoint keys';

const keysOf = (shape: object) => new Set(Object.keys(shape));
const PROJECT_KEYS = keysOf(projectSchema.shape);
const SYNC_KEYS = keysOf(syncSchema.shape);
const CONNECTION_KEYS = new Set(connectionSchema.options.flatMap((o) => Object.keys(o.shape)));
const CONNECTOR_KEYS = keysOf(connectorSpecSchema.shape);
const ENDPOINT_KEYS = keysOf(endpointSchema.shape);

function blockKind(data: unknown): BlockKind | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const keys = Object.keys(data);
  const values = Object.values(data).map(obj);
  const within = (set: Set<string>) => keys.length > 0 && keys.every((k) => set.has(k));
  if (within(PROJECT_KEYS)) return keys.includes('version') && keys.includes('connections') ? 'project' : 'project part';
  if (within(SYNC_KEYS)) return 'sync keys';
  if (within(CONNECTION_KEYS) && keys.includes('type')) return 'connection keys';
  if (within(CONNECTOR_KEYS)) return keys.includes('name') && keys.includes('base_url') ? 'connector' : 'connector part';
  if (within(ENDPOINT_KEYS)) return 'endpoint keys';
  if (keys.length > 0 && values.every((v) => 'from' in v && 'to' in v)) return 'syncs by name';
  if (keys.length > 0 && values.every((v) => 'type' in v)) return 'connections by name';
  return null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The built-in connectors (connectors/NAME.yaml), parsed. */
const builtIn = (name: string): Obj | null => {
  try {
    return obj(parseDocument(readFileSync(join(ROOT, 'connectors', `${name}.yaml`), 'utf8')).toJS());
  } catch {
    return null;
  }
};

/**
 * The sync a fragment of sync keys is read into: the README's HubSpot sync (contacts from the warehouse, created and
 * updated in HubSpot by email), its keys replaced by the fragment's.
 */
const BASE_SYNC = [
  'from: { connection: warehouse, table: contacts }',
  'to: { connection: hubspot, endpoints: { create: create_contacts, update: update_contacts } }',
  'mode: upsert',
  'key: email',
];

/** A connection an example names: how it is used (a table, or endpoints and streams of an API). */
interface Use {
  endpoints: Map<string, string>;
  streams: Set<string>;
  table: boolean;
}

/** The connections a sluice.yaml's syncs and pipelines name, with what of each they use. */
function connectionUses(project: Obj): Map<string, Use> {
  const uses = new Map<string, Use>();
  const use = (name: unknown): Use | null => {
    if (typeof name !== 'string') return null;
    if (!uses.has(name)) uses.set(name, { endpoints: new Map(), streams: new Set(), table: false });
    return uses.get(name)!;
  };
  const operation = (mode: unknown) => (mode === 'insert' || mode === 'append' ? 'create' : 'upsert');
  const notified = (notify: unknown) => {
    for (const target of Array.isArray(notify) ? notify.map(obj) : []) {
      const u = use(target.connection);
      if (u && typeof target.endpoint === 'string') u.endpoints.set(target.endpoint, 'create');
    }
  };
  for (const sync of Object.values(obj(project.syncs)).map(obj)) {
    const from = obj(sync.from);
    const source = use(from.connection);
    if (source && typeof from.stream === 'string') source.streams.add(from.stream);
    else if (source) source.table = true;
    const to = obj(sync.to);
    const destination = use(to.connection);
    if (destination && typeof to.endpoint === 'string') destination.endpoints.set(to.endpoint, operation(sync.mode));
    for (const [op, endpoint] of Object.entries(obj(to.endpoints))) if (destination && typeof endpoint === 'string') destination.endpoints.set(endpoint, op);
    if (destination && to.table !== undefined) destination.table = true;
    for (const table of [sync.write_back, sync.run_log].map(obj)) {
      const u = use(table.connection);
      if (u) u.table = true;
    }
    notified(sync.notify);
  }
  for (const pipeline of Object.values(obj(project.pipelines)).map(obj)) {
    notified(pipeline.notify);
    for (const step of Array.isArray(pipeline.steps) ? pipeline.steps.map(obj) : []) {
      const u = use(step.connection);
      if (u) u.table = true;
    }
  }
  return uses;
}

/** The credentials a stub connection gives for the connector's first auth kind (secrets from the environment). */
function stubAuth(connector: Obj): Obj {
  const auth = Array.isArray(connector.auth) ? obj(connector.auth[0]) : obj(connector.auth);
  const secret = `\${env:${SECRET_ENV}}`;
  switch (auth.type) {
    case 'api_key':
      return { type: 'api_key', key: secret };
    case 'basic':
      return { type: 'basic', username: 'example', password: secret };
    case 'bearer':
      return { type: 'bearer', token: secret };
    case 'oauth2':
      return { type: 'oauth2', client_id: 'example', client_secret: secret };
    case 'oauth2_client_credentials':
      return { type: 'oauth2_client_credentials', client_id: 'example', client_secret: secret };
    case 'session':
      return { type: 'session' };
    case 'jwt':
      return auth.private_key === undefined ? { type: 'jwt', private_key: secret } : { type: 'jwt' };
    default:
      return { type: 'none' };
  }
}

/** A value for each config field a connection must give (and each secret one: a reader gives it from a secret). */
function stubConfig(connector: Obj): Obj {
  const config: Obj = {};
  for (const [name, field] of Object.entries(obj(connector.config)).map(([n, f]) => [n, obj(f)] as const)) {
    if (field.secret === true) config[name] = `\${env:${SECRET_ENV}}`;
    else if (field.required === true && field.default === undefined) config[name] = field.type === 'boolean' ? true : field.type === 'integer' || field.type === 'number' ? 1 : 'example';
  }
  return config;
}

/** An http connection to `connector` (a built-in name or a file), with the config and credentials it needs. */
function httpConnection(connector: string, spec: Obj): Obj {
  return { type: 'http', connector, config: stubConfig(spec), auth: stubAuth(spec) };
}

/** A connector a stub connection stands on: the endpoints and streams the example names, nothing else. */
function stubConnector(name: string, use: Use): Obj {
  return {
    name,
    base_url: 'https://api.example.com',
    endpoints: Object.fromEntries([...use.endpoints].map(([endpoint, operation]) => [endpoint, { operation, path: `/${endpoint}` }])),
    streams: Object.fromEntries([...use.streams].map((stream) => [stream, { path: `/${stream}` }])),
  };
}

/**
 * Stub connections for those a sluice.yaml names but does not define: a database (SQLite) for tables; for an API, the
 * built-in connector of that name, else a connector of its own with the endpoints and streams named.
 */
function stubConnections(project: Obj): { connections: Obj; files: Record<string, string> } {
  const defined = obj(project.connections);
  const connections: Obj = {};
  const files: Record<string, string> = {};
  for (const [name, use] of connectionUses(project)) {
    if (name in defined) continue;
    if (use.endpoints.size === 0 && use.streams.size === 0) {
      connections[name] = { type: 'sqlite', path: `${name}.db` };
      continue;
    }
    // Named as a built-in (hubspot, salesforce, slack): that one, whose endpoints and streams the example must name rightly.
    const spec = builtIn(name);
    if (spec) {
      connections[name] = httpConnection(name, spec);
      continue;
    }
    const own = stubConnector(name, use);
    files[`connectors/${name}.yaml`] = stringify(own);
    connections[name] = httpConnection(`./connectors/${name}.yaml`, own);
  }
  return { connections, files };
}

const indent = (text: string, by: number) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : `${' '.repeat(by)}${l}`))
    .join('\n');

/** A sluice.yaml's text with `version: 1` and the stub connections it lacks added (its own text, comments and all, kept). */
function completeProject(text: string): Record<string, string> {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new Error('not a mapping');
  if (!doc.has('version')) doc.set('version', 1);
  const { connections, files } = stubConnections(obj(doc.toJS()));
  for (const [name, connection] of Object.entries(connections)) doc.setIn(['connections', name], doc.createNode(connection));
  return { 'sluice.yaml': doc.toString(), ...files };
}

/** The config fields a connector's templates read (config.NAME), so a part of one lands in a connector declaring them. */
const configRead = (text: string) => [...new Set([...text.matchAll(/\bconfig\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];

/** A connector's text completed to a whole one (name, base_url, the config fields it reads), and a project using it. */
function completeConnector(text: string): Record<string, string> {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new Error('not a mapping');
  if (!doc.has('name')) doc.set('name', 'example');
  if (!doc.has('base_url')) doc.set('base_url', 'https://api.example.com');
  for (const field of configRead(text)) if (!doc.hasIn(['config', field])) doc.setIn(['config', field], doc.createNode({ type: 'string', required: true }));
  const spec = obj(doc.toJS());
  const project = { version: 1, connections: { example: httpConnection('./connectors/example.yaml', spec) } };
  return { 'connectors/example.yaml': doc.toString(), 'sluice.yaml': stringify(project) };
}

/** The files of the smallest project a block stands in, as a reader would place it. */
function projectAround(block: YamlBlock, kind: BlockKind): Record<string, string> {
  switch (kind) {
    case 'project':
    case 'project part':
      return completeProject(block.text);
    case 'syncs by name':
      return completeProject(`syncs:\n${indent(block.text, 2)}\n`);
    case 'connections by name':
      return completeProject(`connections:\n${indent(block.text, 2)}\n`);
    case 'connection keys':
      return completeProject(`connections:\n  example:\n${indent(block.text, 4)}\n`);
    case 'sync keys': {
      const own = new Set(Object.keys(obj(parseDocument(block.text).toJS())));
      const base = BASE_SYNC.filter((line) => !own.has(line.split(':')[0]!));
      return completeProject(`syncs:\n  contacts:\n${indent(base.join('\n'), 4)}\n${indent(block.text, 4)}\n`);
    }
    case 'connector':
    case 'connector part':
      return completeConnector(block.text);
    case 'endpoint keys': {
      // The keys of one endpoint, in an upsert endpoint they complete: a batch one when they hold a job (jobs carry batches).
      const own = obj(parseDocument(block.text).toJS());
      const batch = own.job !== undefined || own.batch !== undefined || own.request === 'batch';
      const base = ['operation: upsert', 'path: /records', ...(batch ? ['request: batch', 'batch: { size: 100, body: "{{ rows | json }}" }'] : [])];
      const lines = base.filter((line) => !(line.split(':')[0]! in own));
      return completeConnector(`endpoints:\n  example:\n${indent(lines.join('\n'), 4)}\n${indent(block.text, 4)}\n`);
    }
  }
}

/** The value each `${secret:NAME}` of an example is given, as a reader gives it with `sluice secrets set NAME` (a webhook's secret needs 16 characters). */
const SECRET_VALUE = 'readme-example-secret-value';

/**
 * Writes the files in a fresh directory, stores every secret sluice.yaml references (`sluice secrets set`), and runs
 * `sluice validate` on it, in process.
 */
async function validate(files: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-readme-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    for (const [, name] of (files['sluice.yaml'] ?? '').matchAll(/\$\{secret:([^}]+)\}/g)) {
      const err = new Capture();
      const code = await runSecretsSet({ name: name! }, { project: dir, json: false, stdout: new Capture(), stderr: err, stdin: Readable.from([SECRET_VALUE]) });
      expect(code, err.text).toBe(0);
    }
    return await runSluiceInProcess(['--project', dir, 'validate']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const blocks = yamlBlocks(readFileSync(README, 'utf8'));

beforeAll(() => {
  process.env[SECRET_ENV] = 'readme-example-secret';
});
afterAll(() => {
  delete process.env[SECRET_ENV];
});

describe('the YAML examples of README.md', () => {
  it('are found, and few are left unchecked', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(15);
    expect(blocks.filter((b) => b.notChecked !== null).length).toBeLessThanOrEqual(3);
  });

  it.each(blocks.filter((b) => b.notChecked === null).map((b) => [b.line, b] as const))('README.md:%i passes sluice validate', async (line, block) => {
    const kind = blockKind(parseDocument(block.text).toJS());
    expect(kind, `README.md:${line}: not a sluice.yaml, a connector or a part of one: mark it <!-- not checked: REASON -->`).not.toBeNull();
    const files = projectAround(block, kind!);
    const out = await validate(files);
    const shown = Object.entries(files).map(([path, text]) => `--- ${path}\n${text}`).join('');
    expect(`${out.out}${out.err}`, `README.md:${line} (${kind}), checked as:\n${shown}`).toMatch(/^ok: /);
    expect(out.code).toBe(0);
  });
});

describe('reading README blocks', () => {
  it('takes the text of a fence in a list item without its indentation, and the reason a block is not checked', () => {
    const markdown = ['- a list item:', '', '  ```yaml', '  auth:', '    type: jwt', '  ```', '', '<!-- not checked: shell output -->', '```yaml', '$ sluice', '```'].join('\n');
    expect(yamlBlocks(markdown)).toEqual([
      { line: 3, text: 'auth:\n  type: jwt\n', notChecked: null },
      { line: 9, text: '$ sluice\n', notChecked: 'shell output' },
    ]);
  });

  it('stands a sync naming an API that is not built in on a connector of its own with the endpoint it names', async () => {
    const text = 'syncs:\n  issues:\n    from: { connection: db, table: issues }\n    to: { connection: tracker, endpoint: add_issue }\n    mode: insert\n    key: id\n';
    const files = projectAround({ line: 1, text, notChecked: null }, 'project part');
    expect(parseDocument(files['connectors/tracker.yaml']!).toJS()).toEqual({
      name: 'tracker', base_url: 'https://api.example.com', endpoints: { add_issue: { operation: 'create', path: '/add_issue' } }, streams: {},
    });
    expect((await validate(files)).out).toBe('ok: 2 connections, 1 sync, 0 pipelines\n');
    const misspelt = projectAround({ line: 1, text: text.replace('mode: insert', 'mode: insrt'), notChecked: null }, 'project part');
    expect((await validate(misspelt)).out).toMatch(/syncs\.issues\.mode: unknown mode "insrt"/);
  });

  it('puts a connection, or syncs by name, where a sluice.yaml holds them', async () => {
    const connection = projectAround({ line: 1, text: 'type: postgres\nurl: "postgres://app@db/analytics"   # a comment\n', notChecked: null }, 'connection keys');
    expect(parseDocument(connection['sluice.yaml']!).toJS()).toEqual({ connections: { example: { type: 'postgres', url: 'postgres://app@db/analytics' } }, version: 1 });
    expect((await validate(connection)).out).toBe('ok: 1 connection, 0 syncs, 0 pipelines\n');
    const syncs = projectAround({ line: 1, text: 'orders:\n  from: { connection: shop, table: orders }\n  to: { connection: hubspot, endpoint: upsert_contacts }\n  mode: upsert\n  key: email\n', notChecked: null }, 'syncs by name');
    expect((await validate(syncs)).out).toBe('ok: 2 connections, 1 sync, 0 pipelines\n');
  });

  it('recognises each kind by its top-level keys, and nothing else', () => {
    expect(blockKind({ version: 1, connections: {} })).toBe('project');
    expect(blockKind({ syncs: {} })).toBe('project part');
    expect(blockKind({ contacts: { from: {}, to: {}, mode: 'upsert' } })).toBe('syncs by name');
    expect(blockKind({ warehouse: { type: 'postgres', url: 'postgres://db' } })).toBe('connections by name');
    expect(blockKind({ type: 'http', connector: 'hubspot', auth: {} })).toBe('connection keys');
    expect(blockKind({ mode: 'mirror', on_delete: 'clear' })).toBe('sync keys');
    expect(blockKind({ name: 'x', base_url: 'https://x', streams: {} })).toBe('connector');
    expect(blockKind({ streams: {} })).toBe('connector part');
    expect(blockKind({ job: {}, response: {} })).toBe('endpoint keys');
    expect(blockKind({ scrape_configs: [] })).toBeNull();
    expect(blockKind('text')).toBeNull();
  });
});
