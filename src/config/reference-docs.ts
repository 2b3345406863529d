import { CONNECTOR_SCHEMA_FILE, CONNECTOR_TESTS_SCHEMA_FILE, PROJECT_SCHEMA_FILE, jsonSchemas } from './export-json-schema.js';
import { connectorExamples, connectorTestExamples, projectExamples, type ReferenceExample } from './reference-examples.js';

// The key reference (docs/connector-reference.md, docs/project-reference.md) is written from the JSON Schema that
// editors read, itself generated from the zod schemas' descriptions: one source, so the docs cannot drift from what
// validation accepts. Only the examples are curated (reference-examples.ts), and a test validates each of them.

/** A JSON Schema node as z.toJSONSchema writes it (draft-07, inline, no $ref). */
type SchemaNode = { [key: string]: unknown };

/** One documented object: its key path (`streams.NAME.paginate`), the kind it is when a union member (`cursor`), its keys. */
export interface ReferenceSection {
  /** Stable id: the path, with `[type=KIND]` for a member of a union on type (examples name sections by it). */
  id: string;
  path: string;
  kind?: string;
  /** For a member of a union without a type (`{ sql, connection }` among pipeline steps): a key only it has (`sql`). */
  variant?: string;
  description?: string;
  keys: ReferenceKey[];
}

export interface ReferenceKey {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
  /** The id of the section documenting this key's own keys, when it has some. */
  section?: string;
}

/** The generated reference files, by path relative to the repository root. */
export const REFERENCE_FILES = {
  connector: 'docs/connector-reference.md',
  project: 'docs/project-reference.md',
  tests: 'docs/connector-tests-reference.md',
} as const;

export const REGENERATE_COMMAND = 'npm run docs';

const isNode = (value: unknown): value is SchemaNode => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The members of a union node (anyOf or oneOf), or none. */
const members = (node: SchemaNode): SchemaNode[] => [node.anyOf, node.oneOf].flatMap((list) => (Array.isArray(list) ? list.filter(isNode) : []));

const hasKeys = (node: SchemaNode) => isNode(node.properties) && Object.keys(node.properties).length > 0;

/** The `type` const of a union member (`oauth2`), which names the kind a section documents. */
function kindOf(node: SchemaNode): string | undefined {
  const type = isNode(node.properties) ? node.properties.type : undefined;
  return isNode(type) && typeof type.const === 'string' ? type.const : undefined;
}

/** The first key of a union member that no other member has (else all its keys), which names the member. */
function ownKey(member: SchemaNode, objects: SchemaNode[]): string {
  const keys = Object.keys(member.properties as SchemaNode);
  const others = new Set(objects.filter((o) => o !== member).flatMap((o) => Object.keys(o.properties as SchemaNode)));
  return keys.find((k) => !others.has(k)) ?? keys.join(', ');
}

const sectionId = (path: string, kind?: string, variant?: string) =>
  kind !== undefined ? `${path}[type=${kind}]` : variant !== undefined ? `${path}{${variant}}` : path;

/** Every object of the schema with keys, depth first in the order the schema declares them. */
export function referenceSections(root: SchemaNode): ReferenceSection[] {
  const sections: ReferenceSection[] = [];
  const ids = new Set<string>();
  // The same object reached twice (auth as one kind or as a list of kinds, the responses rules of a connector, an
  // endpoint and a stream) is documented once, where it is first met; later keys link there.
  const byContent = new Map<string, string>();

  /** The sections a key's value opens (an object, a mapping of objects, a list of objects, a union of them); their ids. */
  const open = (node: SchemaNode, path: string): string[] => {
    if (hasKeys(node)) return [visit(node, path)];
    if (isNode(node.additionalProperties)) return open(node.additionalProperties, `${path}.NAME`);
    if (isNode(node.items)) return open(node.items, `${path}[]`);
    const union = members(node);
    const objects = union.filter(hasKeys);
    return union.flatMap((member) => {
      // Objects of a union without a type are told apart by a key only they have (an endpoint case by endpoint).
      const variant = objects.length > 1 && hasKeys(member) && kindOf(member) === undefined ? ownKey(member, objects) : undefined;
      return hasKeys(member) ? [visit(member, path, variant)] : open(member, path);
    });
  };

  const visit = (node: SchemaNode, path: string, variant?: string): string => {
    const content = JSON.stringify(node);
    const seen = byContent.get(content);
    if (seen !== undefined) return seen;
    const kind = kindOf(node);
    const id = sectionId(path, kind, variant);
    byContent.set(content, id);
    if (ids.has(id)) throw new Error(`two sections of the reference are both ${id}`);
    ids.add(id);
    const section: ReferenceSection = { id, path, ...(kind === undefined ? {} : { kind }), ...(variant === undefined ? {} : { variant }), keys: [] };
    if (typeof node.description === 'string') section.description = node.description;
    sections.push(section);
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    for (const [name, value] of Object.entries(node.properties as SchemaNode)) {
      if (!isNode(value)) continue;
      const key: ReferenceKey = {
        name,
        type: typeText(value),
        required: required.has(name),
        description: describe(value),
      };
      if ('default' in value) key.default = value.default;
      const opened = name === 'type' && kind !== undefined ? [] : open(value, path === '' ? name : `${path}.${name}`);
      // A key of several kinds (auth) links to the first; the others follow it in the contents.
      if (opened.length > 0) key.section = opened[0];
      section.keys.push(key);
    }
    return id;
  };

  visit(root, '');
  return sections;
}

/** A key's description: its own, else its union members' (a key whose kinds each say what they are). */
function describe(node: SchemaNode): string {
  if (typeof node.description === 'string') return node.description;
  const described = members(node).map((m) => (typeof m.description === 'string' ? m.description : undefined)).filter((d) => d !== undefined);
  return described.join(' ');
}

/** What a value may be, in words: `integer (1 to 64)`, `one of: query, body`, `list of string`, `mapping of NAME to object`. */
export function typeText(node: SchemaNode): string {
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (Array.isArray(node.enum)) return `one of: ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  const union = members(node);
  if (union.length) {
    // One thing or a list of them (auth: a kind, or the kinds an API accepts).
    const [one, list] = union;
    if (union.length === 2 && isNode(one) && isNode(list) && list.type === 'array' && JSON.stringify(list.items) === JSON.stringify(one)) {
      return `${typeText(one)}; or a list of them`;
    }
    const kinds = union.map(kindOf);
    if (kinds.every((k) => k !== undefined)) return `object, by type: ${kinds.map((k) => `\`${k}\``).join(', ')}`;
    return [...new Set(union.map(typeText))].join(' or ');
  }
  const types = Array.isArray(node.type) ? (node.type as string[]) : typeof node.type === 'string' ? [node.type] : [];
  if (types.length === 1 && types[0] === 'array') {
    const items = isNode(node.items) ? typeText(node.items) : 'any';
    return `list of ${items}${bounds(node.minItems, node.maxItems, 'items')}`;
  }
  if (types.length === 1 && types[0] === 'object') {
    if (hasKeys(node)) return 'object';
    if (isNode(node.additionalProperties)) {
      const value = Object.keys(node.additionalProperties).length === 0 ? 'any value' : typeText(node.additionalProperties);
      return `mapping of NAME to ${value}`;
    }
    return 'object';
  }
  if (!types.length) return 'any';
  const base = types.map((t) => (t === 'null' ? 'null' : t)).join(' or ');
  const number = types.includes('number') || types.includes('integer');
  const limits = number ? numberBounds(node) : bounds(node.minLength, node.maxLength, 'characters');
  const pattern = typeof node.pattern === 'string' ? `, matching \`${node.pattern}\`` : '';
  return `${base}${limits}${pattern}`;
}

/** ` (1 to 64)`, ` (at least 1)`, ` (more than 0, at most 10000)`; JavaScript's safe-integer limits are no bound worth saying. */
function numberBounds(node: SchemaNode): string {
  const safe = (v: unknown): v is number => typeof v === 'number' && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  const low = safe(node.minimum) ? node.minimum : undefined;
  const above = safe(node.exclusiveMinimum) ? node.exclusiveMinimum : undefined;
  const high = safe(node.maximum) ? node.maximum : undefined;
  if (low !== undefined && high !== undefined) return ` (${low} to ${high})`;
  const parts = [low !== undefined ? `at least ${low}` : undefined, above !== undefined ? `more than ${above}` : undefined, high !== undefined ? `at most ${high}` : undefined];
  const said = parts.filter((p) => p !== undefined);
  return said.length ? ` (${said.join(', ')})` : '';
}

function bounds(min: unknown, max: unknown, unit: string): string {
  const lo = typeof min === 'number' && min > 0 ? min : undefined;
  const hi = typeof max === 'number' ? max : undefined;
  if (lo !== undefined && hi !== undefined) return ` (${lo} to ${hi} ${unit})`;
  if (lo !== undefined) return ` (at least ${lo} ${unit === 'items' && lo === 1 ? 'item' : unit})`;
  if (hi !== undefined) return ` (at most ${hi} ${unit})`;
  return '';
}

/** A default as YAML-ish inline text: `100`, `Authorization`, `[408, 429]`, `{ max_failed_rows: 0 }`. */
function defaultText(value: unknown): string {
  if (value === '') return '""';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(defaultText).join(', ')}]`;
  if (isNode(value)) {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${defaultText(v)}`).join(', ')} }` : '{}';
  }
  return String(value);
}

/** Markdown table cell text: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

/** An HTML anchor id from a section id (`streams.NAME.paginate[type=cursor]` -> `streams-name-paginate-cursor`). */
export const anchorOf = (id: string) =>
  id
    .toLowerCase()
    .replace(/\[type=/g, '-')
    .replace(/\{/g, '-with-')
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'top-level';

const headingOf = (section: ReferenceSection, topTitle: string) => {
  if (section.path === '') return topTitle;
  const which = section.kind !== undefined ? ` (type: \`${section.kind}\`)` : section.variant !== undefined ? ` (with \`${section.variant}\`)` : '';
  return `\`${section.path}\`${which}`;
};

/** One reference page: title and intro, a table of contents, then each section's keys and its examples. */
export function renderReference(options: {
  title: string;
  intro: string;
  topTitle: string;
  schema: SchemaNode;
  examples: readonly ReferenceExample[];
  source: string;
}): string {
  const sections = referenceSections(options.schema);
  const examplesBySection = new Map<string, ReferenceExample[]>();
  for (const example of options.examples) examplesBySection.set(example.section, [...(examplesBySection.get(example.section) ?? []), example]);
  // Nesting in the contents: by the keys of the path (NAME, a name you choose, is no level of its own).
  const depth = (s: ReferenceSection) => Math.max(0, s.path.split('.').filter((part) => part !== 'NAME' && part !== '').length - 1);
  const out: string[] = [
    `# ${options.title}`,
    '',
    `<!-- Generated by \`${REGENERATE_COMMAND}\` from ${options.source} (the zod schema's descriptions) and src/config/reference-examples.ts. Do not edit by hand. -->`,
    '',
    options.intro,
    '',
    'Each table gives a key, the values it takes, its default (a key without one is optional unless marked required) and what it does. ' +
      '`NAME` stands for a name you choose (a stream, an endpoint, a connection); `[]` for each item of a list. ' +
      'Every example on this page is checked against the schema by a test, so it stays valid.',
    '',
    '## Contents',
    '',
    ...sections.map((s) => `${'  '.repeat(depth(s))}- [${headingOf(s, options.topTitle)}](#${anchorOf(s.id)})`),
    '',
  ];
  for (const section of sections) {
    out.push(`<a id="${anchorOf(section.id)}"></a>`, '', `## ${headingOf(section, options.topTitle)}`, '');
    if (section.description) out.push(section.description, '');
    out.push('| key | type | default | description |', '|---|---|---|---|');
    for (const key of section.keys) {
      const name = `\`${key.name}\`${key.required ? ' (required)' : ''}`;
      const type = key.section ? `[${key.type}](#${anchorOf(key.section)})` : key.type;
      const fallback = key.default === undefined ? '' : `\`${cell(defaultText(key.default))}\``;
      out.push(`| ${cell(name)} | ${cell(type)} | ${fallback} | ${cell(key.description)} |`);
    }
    out.push('');
    for (const example of examplesBySection.get(section.id) ?? []) {
      out.push(`Example: ${example.title}`, '', '```yaml', example.yaml.trim(), '```', '');
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** The reference pages as they should be committed, by path relative to the repository root. */
export function referenceDocs(): Record<string, string> {
  const schemas = jsonSchemas() as Record<string, SchemaNode>;
  return {
    [REFERENCE_FILES.connector]: renderReference({
      title: 'Connector spec reference',
      topTitle: 'Top level',
      intro:
        'A connector spec (`connectors/NAME.yaml`, or any file a connection names as `connector: ./path.yaml`) describes one HTTP API: ' +
        'its base URL and auth, the endpoints a sync writes through and the streams it reads. Templates are Liquid; each template key says what it sees. ' +
        'For the project file see [project-reference.md](project-reference.md); editors complete and check specs with `connector.schema.json` (`sluice schema`).',
      schema: schemas[CONNECTOR_SCHEMA_FILE]!,
      examples: connectorExamples,
      source: 'src/config/connector-schema.ts',
    }),
    [REFERENCE_FILES.project]: renderReference({
      title: 'Project file reference (sluice.yaml)',
      topTitle: 'Top level',
      intro:
        '`sluice.yaml` names the connections (databases and HTTP APIs through a connector), the syncs between them and the pipelines that run them in order. ' +
        '`${env:NAME}` reads the environment and `${secret:NAME}` a secret kept encrypted in the state store, anywhere a value is written. ' +
        'For connector specs see [connector-reference.md](connector-reference.md); editors complete and check the file with `sluice.schema.json` (`sluice schema`).',
      schema: schemas[PROJECT_SCHEMA_FILE]!,
      examples: projectExamples,
      source: 'src/config/project-schema.ts',
    }),
    [REFERENCE_FILES.tests]: renderReference({
      title: 'Connector test cases reference (NAME.test.yaml)',
      topTitle: 'Top level',
      intro:
        'A connector\'s test cases (`connectors/NAME.test.yaml`, beside the spec) are run offline by `sluice connector test SPEC --cases`: ' +
        'an endpoint case renders sample rows and compares the request with the one expected, and reads a recorded response into per-row results; ' +
        'a stream case reads recorded pages and compares the records and the next-page requests. Nothing is sent. ' +
        '`sluice connector test SPEC --record` saves a live exchange as a case, secrets redacted. The examples test the `tickets` connector, ' +
        'the first example of [connector-reference.md](connector-reference.md); editors check the file with `connector-tests.schema.json`.',
      schema: schemas[CONNECTOR_TESTS_SCHEMA_FILE]!,
      examples: connectorTestExamples,
      source: 'src/connectors/test-cases/test-cases-schema.ts',
    }),
  };
}
