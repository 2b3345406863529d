import { bearerToken } from '../bearer-token.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';
import { GraphQLSyntaxError, parseOperation, type FieldNode, type OperationNode, type ValueNode } from './graphql-document.js';

/** A contact as the CRM keeps it. */
export interface GraphQLContact {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  score: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface GraphQLCrmSandboxOptions extends SandboxServerOptions {
  /** Tokens accepted as `Authorization: Bearer` (default ["sandbox-graphql-token"]). */
  accessTokens?: string[];
  /** Contacts present from the start and after a reset (default: five sample contacts). */
  seed?: { contacts?: Partial<GraphQLContact>[] };
}

export type GraphQLCrmSandbox = SandboxHandle & { state: { contacts: GraphQLContact[]; operations: string[] } };

/** The object types of the schema: each field's type (an object type's name, or null for a scalar). */
const TYPES: Record<string, Record<string, string | null>> = {
  Query: { viewer: 'User', contacts: 'ContactConnection', contact: 'Contact' },
  Mutation: { contactsUpsert: 'ContactsUpsertPayload', contactUpdate: 'ContactUpdatePayload' },
  User: { id: null, email: null, name: null },
  Contact: { id: null, email: null, name: null, company: null, score: null, createdAt: null, updatedAt: null },
  ContactConnection: { nodes: 'Contact', pageInfo: 'PageInfo', totalCount: null },
  PageInfo: { endCursor: null, hasNextPage: null },
  UserError: { field: null, message: null, code: null },
  ContactUpsertResult: { email: null, contact: 'Contact', userErrors: 'UserError' },
  ContactsUpsertPayload: { results: 'ContactUpsertResult' },
  ContactUpdatePayload: { contact: 'Contact', userErrors: 'UserError' },
};

const INPUT_FIELDS = new Set(['email', 'name', 'company', 'score']);
const MAX_PAGE = 100;
const MAX_UPSERT = 50;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const DEFAULT_SEED: Partial<GraphQLContact>[] = [
  { email: 'aiko@example.com', name: 'Aiko Tanaka', company: 'Acme', score: 40 },
  { email: 'ben@example.com', name: 'Ben Ortiz', company: 'Globex', score: 15 },
  { email: 'chloe@example.com', name: 'Chloé Martin', company: null, score: null },
  { email: 'dev@example.com', name: 'Dev Patel', company: 'Initech', score: 72 },
  { email: 'emma@example.com', name: 'Emma "Em" Weber', company: 'Acme', score: 8 },
];

/** An error of the request as a whole (GraphQL's request errors: syntax, validation, variables): no data. */
class RequestError extends Error {
  constructor(message: string, readonly code = 'GRAPHQL_VALIDATION_FAILED') {
    super(message);
  }
}

/** An error of one root field (a field error): that field is null, the others resolve. */
class FieldError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** Relay's opaque cursor of the item at `index`: base64 of `arrayconnection:INDEX`. */
const cursorOf = (index: number) => Buffer.from(`arrayconnection:${index}`).toString('base64');
function indexOf(cursor: string): number {
  const m = /^arrayconnection:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) throw new FieldError(`Invalid cursor "${cursor.slice(0, 100)}"`, 'BAD_USER_INPUT');
  return Number(m[1]);
}

/** Starts a CRM with a GraphQL API (GraphQL over HTTP): contacts read with Relay cursor paging, upserted in bulk with per-input userErrors. */
export async function startGraphQLCrmSandbox(options: GraphQLCrmSandboxOptions = {}): Promise<GraphQLCrmSandbox> {
  const tokens = new Set(options.accessTokens ?? ['sandbox-graphql-token']);
  const state: GraphQLCrmSandbox['state'] = { contacts: [], operations: [] };
  let sequence = 0;
  let clock = Date.parse('2025-01-01T00:00:00Z');
  // Every write moves the clock a second: updatedAt grows strictly, as an incremental read needs.
  const tick = () => new Date((clock += 1000)).toISOString();

  const create = (fields: Partial<GraphQLContact>): GraphQLContact => {
    const at = tick();
    const contact: GraphQLContact = {
      id: `ct_${String(++sequence).padStart(4, '0')}`,
      email: fields.email ?? '',
      name: fields.name ?? null,
      company: fields.company ?? null,
      score: fields.score ?? null,
      createdAt: fields.createdAt ?? at,
      updatedAt: fields.updatedAt ?? at,
    };
    state.contacts.push(contact);
    return contact;
  };
  const reset = () => {
    state.contacts = [];
    state.operations = [];
    sequence = 0;
    clock = Date.parse('2025-01-01T00:00:00Z');
    for (const c of options.seed?.contacts ?? DEFAULT_SEED) create(c);
  };
  reset();

  /** A ContactInput's fields, or the userErrors it gets (email must be valid, score 0 to 100). */
  const checkInput = (input: unknown, path: (string | number)[]): { fields?: Partial<GraphQLContact>; userErrors: object[] } => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new RequestError(`Variable "$inputs" got invalid value at "${path.join('.')}"; Expected type "ContactInput" to be an object.`, 'BAD_USER_INPUT');
    const record = input as Record<string, unknown>;
    const unknown = Object.keys(record).find((k) => !INPUT_FIELDS.has(k));
    if (unknown) throw new RequestError(`Variable got invalid value at "${path.join('.')}"; Field "${unknown}" is not defined by type "ContactInput".`, 'BAD_USER_INPUT');
    if (typeof record.email !== 'string') throw new RequestError(`Variable got invalid value at "${path.join('.')}"; Field "email" of required type "String!" was not provided.`, 'BAD_USER_INPUT');
    for (const k of ['name', 'company'] as const) {
      if (record[k] !== undefined && record[k] !== null && typeof record[k] !== 'string') throw new RequestError(`Variable got invalid value at "${[...path, k].join('.')}"; String cannot represent a non string value: ${JSON.stringify(record[k])}`, 'BAD_USER_INPUT');
    }
    if (record.score !== undefined && record.score !== null && !Number.isInteger(record.score)) throw new RequestError(`Variable got invalid value at "${[...path, 'score'].join('.')}"; Int cannot represent non-integer value: ${JSON.stringify(record.score)}`, 'BAD_USER_INPUT');
    const userErrors: object[] = [];
    if (!emailPattern.test(record.email)) userErrors.push({ field: [...path, 'email'], message: 'Email is invalid', code: 'INVALID' });
    const score = record.score as number | null | undefined;
    if (typeof score === 'number' && (score < 0 || score > 100)) userErrors.push({ field: [...path, 'score'], message: 'Score must be between 0 and 100', code: 'OUT_OF_RANGE' });
    return userErrors.length ? { userErrors } : { fields: record as Partial<GraphQLContact>, userErrors };
  };

  const update = (contact: GraphQLContact, fields: Partial<GraphQLContact>) => {
    for (const k of ['email', 'name', 'company', 'score'] as const) if (fields[k] !== undefined) (contact as unknown as Record<string, unknown>)[k] = fields[k];
    contact.updatedAt = tick();
  };

  /** Resolves one root field of the operation. */
  const resolveRoot = (field: FieldNode, args: Record<string, unknown>, viewerEmail: string): unknown => {
    switch (field.name) {
      case 'viewer':
        return { id: 'usr_0001', email: viewerEmail, name: 'Sandbox Admin' };
      case 'contact':
        return state.contacts.find((c) => c.id === args.id) ?? null;
      case 'contacts': {
        const first = args.first === undefined || args.first === null ? 50 : args.first;
        if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new FieldError(`first must be between 1 and ${MAX_PAGE}`, 'BAD_USER_INPUT');
        const since = typeof args.updatedSince === 'string' ? args.updatedSince : null;
        const all = state.contacts.filter((c) => since === null || c.updatedAt >= since);
        const start = typeof args.after === 'string' ? indexOf(args.after) + 1 : 0;
        const nodes = all.slice(start, start + first);
        return {
          nodes,
          totalCount: all.length,
          pageInfo: { endCursor: nodes.length ? cursorOf(start + nodes.length - 1) : null, hasNextPage: start + nodes.length < all.length },
        };
      }
      case 'contactsUpsert': {
        const inputs = args.inputs;
        if (!Array.isArray(inputs)) throw new RequestError('Variable "$inputs" of required type "[ContactInput!]!" was not provided.', 'BAD_USER_INPUT');
        if (inputs.length > MAX_UPSERT) throw new FieldError(`inputs: at most ${MAX_UPSERT} contacts a call (got ${inputs.length})`, 'BAD_USER_INPUT');
        // Variables are coerced before anything runs: one malformed input refuses the whole call, nothing written.
        const checked = inputs.map((input, i) => checkInput(input, ['inputs', i]));
        return {
          results: checked.map((c, i) => {
            const email = (inputs[i] as { email: string }).email;
            if (!c.fields) return { email, contact: null, userErrors: c.userErrors };
            const found = state.contacts.find((x) => x.email.toLowerCase() === email.toLowerCase());
            if (found) update(found, c.fields);
            return { email, contact: found ?? create(c.fields), userErrors: [] };
          }),
        };
      }
      case 'contactUpdate': {
        const contact = state.contacts.find((c) => c.id === args.id);
        if (!contact) throw new FieldError(`Contact "${String(args.id).slice(0, 100)}" not found`, 'NOT_FOUND');
        const c = checkInput(args.input, ['input']);
        if (c.fields) update(contact, c.fields);
        return { contact: c.fields ? contact : null, userErrors: c.userErrors };
      }
      default:
        throw new Error(`unhandled root field ${field.name}`);
    }
  };

  /** Checks the selection against the schema (validation: before anything runs). */
  const validate = (selection: FieldNode[], type: string) => {
    for (const f of selection) {
      const fields = TYPES[type]!;
      if (!Object.hasOwn(fields, f.name)) throw new RequestError(`Cannot query field "${f.name}" on type "${type}".`);
      const child = fields[f.name]!;
      if (child === null && f.selection) throw new RequestError(`Field "${f.name}" must not have a selection since type "String" has no subfields.`);
      if (child !== null && !f.selection) throw new RequestError(`Field "${f.name}" of type "${child}" must have a selection of subfields. Did you mean "${f.name} { ... }"?`);
      if (child !== null) validate(f.selection!, child);
    }
  };

  /** The selected fields of a value (a list is selected item by item). */
  const select = (value: unknown, selection: FieldNode[] | null): unknown => {
    if (selection === null || value === null || value === undefined) return value ?? null;
    if (Array.isArray(value)) return value.map((v) => select(v, selection));
    const object = value as Record<string, unknown>;
    return Object.fromEntries(selection.map((f) => [f.alias ?? f.name, select(object[f.name], f.selection)]));
  };

  const argumentValues = (field: FieldNode, operation: OperationNode, variables: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(field.arguments).map(([name, v]: [string, ValueNode]) => {
        if ('literal' in v) return [name, v.literal];
        if (!Object.hasOwn(operation.variables, v.variable)) throw new RequestError(`Variable "$${v.variable}" is not defined.`);
        return [name, Object.hasOwn(variables, v.variable) ? variables[v.variable] : operation.variables[v.variable]!.default];
      }),
    );

  /** Executes a request: `{ data }`, `{ data, errors }` (field errors) or `{ errors }` (request errors). */
  const execute = (body: { query: string; variables?: unknown; operationName?: unknown }, viewerEmail: string, via: 'GET' | 'POST'): SandboxResponse => {
    let operation: OperationNode;
    try {
      operation = parseOperation(body.query);
    } catch (e) {
      if (e instanceof GraphQLSyntaxError) return { status: 200, json: { errors: [{ message: e.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] } };
      throw e;
    }
    if (via === 'GET' && operation.type === 'mutation') {
      // GraphQL over HTTP: a mutation over GET is refused, so a link or a prefetch cannot write.
      return { status: 405, headers: { Allow: 'POST' }, json: { errors: [{ message: 'Can only perform a mutation operation from a POST request.' }] } };
    }
    state.operations.push(`${operation.type} ${operation.name ?? '(anonymous)'}`);
    const variables = body.variables === undefined || body.variables === null ? {} : body.variables;
    if (typeof variables !== 'object' || Array.isArray(variables)) return { status: 400, json: { errors: [{ message: 'variables must be a JSON object' }] } };
    const given = variables as Record<string, unknown>;
    const root = operation.type === 'query' ? 'Query' : 'Mutation';
    const data: Record<string, unknown> = {};
    const errors: object[] = [];
    try {
      validate(operation.selection, root);
      for (const [name, declared] of Object.entries(operation.variables)) {
        if (declared.type.endsWith('!') && declared.default === undefined && (given[name] === undefined || given[name] === null)) {
          throw new RequestError(`Variable "$${name}" of required type "${declared.type}" was not provided.`, 'BAD_USER_INPUT');
        }
      }
      const args = operation.selection.map((f) => argumentValues(f, operation, given));
      // Mutations' root fields run one after another (the spec's serial execution); queries' may run in any order.
      for (const [i, field] of operation.selection.entries()) {
        const key = field.alias ?? field.name;
        try {
          data[key] = select(resolveRoot(field, args[i]!, viewerEmail), field.selection);
        } catch (e) {
          if (!(e instanceof FieldError)) throw e;
          data[key] = null;
          errors.push({ message: e.message, path: [key], extensions: { code: e.code } });
        }
      }
    } catch (e) {
      if (e instanceof RequestError) return { status: 200, json: { errors: [{ message: e.message, extensions: { code: e.code } }] } };
      throw e;
    }
    return { status: 200, json: errors.length ? { errors, data } : { data } };
  };

  const unauthenticated = (): SandboxResponse => ({
    status: 401,
    headers: { 'WWW-Authenticate': 'Bearer realm="graphql"' },
    json: { errors: [{ message: 'This endpoint requires you to be authenticated.', extensions: { code: 'UNAUTHENTICATED' } }] },
  });

  const handle = (request: SandboxRequest): SandboxResponse => {
    if (request.path !== '/graphql') return { status: 404, json: { errors: [{ message: `No route ${request.path}: the API is at POST /graphql` }] } };
    const token = bearerToken(request.headers);
    if (token === undefined || !tokens.has(token)) return unauthenticated();
    const viewerEmail = 'admin@sandbox.example';
    if (request.method === 'GET') {
      const query = request.query.get('query');
      if (query === null) return { status: 400, json: { errors: [{ message: 'Must provide query string.' }] } };
      let variables: unknown;
      try {
        variables = JSON.parse(request.query.get('variables') ?? 'null');
      } catch {
        return { status: 400, json: { errors: [{ message: 'Variables are invalid JSON.' }] } };
      }
      return execute({ query, variables }, viewerEmail, 'GET');
    }
    if (request.method !== 'POST') return { status: 405, headers: { Allow: 'GET, POST' }, json: { errors: [{ message: 'GraphQL only supports GET and POST requests.' }] } };
    const type = String(request.headers['content-type'] ?? '');
    if (!/^application\/(json|graphql-response\+json)\b/i.test(type)) return { status: 415, json: { errors: [{ message: `Unsupported Content-Type "${type}": send application/json` }] } };
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return { status: 400, json: { errors: [{ message: 'POST body sent invalid JSON.' }] } };
    }
    if (body === null || typeof body !== 'object' || typeof (body as { query?: unknown }).query !== 'string') {
      return { status: 400, json: { errors: [{ message: 'Must provide query string.' }] } };
    }
    return execute(body as { query: string }, viewerEmail, 'POST');
  };

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ contacts: state.contacts }),
      reset,
      seed: (data) => {
        const contacts = (data as { contacts?: unknown }).contacts;
        if (!Array.isArray(contacts)) throw new Error('seed takes { contacts: [{ email, name, company, score }] }');
        for (const c of contacts) create(c as Partial<GraphQLContact>);
      },
      faultResponse: (status) => ({ status, json: { errors: [{ message: `Internal server error (${status})`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } }),
    },
    options,
  );
  return Object.assign(server, { state });
}
