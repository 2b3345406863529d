import { randomBytes } from 'node:crypto';
import { bearerToken } from '../bearer-token.js';
import { RateBudget, type RateBudgetState } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A stored contact, as the Contacts API returns it (abridged to the fields a sync reads and writes). */
export interface IntercomContact {
  type: 'contact';
  id: string;
  workspace_id: string;
  external_id: string | null;
  role: 'user' | 'lead';
  email: string | null;
  phone: string | null;
  name: string | null;
  owner_id: number | null;
  unsubscribed_from_emails: boolean;
  custom_attributes: Record<string, string | number | boolean | null>;
  created_at: number;
  updated_at: number;
  signed_up_at: number | null;
  last_seen_at: number | null;
}

export interface IntercomSandboxOptions extends SandboxServerOptions {
  /** Access tokens accepted as `Authorization: Bearer` (default ["sandbox-intercom-token"]). */
  accessTokens?: string[];
  /** Custom data attributes defined in the workspace (default: plan (string), score (number), vip (boolean)). */
  customAttributes?: Record<string, 'string' | 'number' | 'boolean'>;
  /** Requests per 10 seconds (default 1,666: 10,000 a minute per app, counted in 10-second windows). */
  rateLimit?: number;
  /** Contacts present from the start (and after a reset). */
  seed?: { contacts?: Record<string, unknown>[] };
}

export interface IntercomSandboxState {
  contacts: IntercomContact[];
  /** The Intercom-Version of each API request, in order (absent: the app's default). */
  versions: (string | null)[];
}

export type IntercomSandbox = SandboxHandle & { state: IntercomSandboxState };

const WORKSPACE = 'ecahpwf5';
const versions = new Set(['1.0', '1.1', '1.2', '1.3', '1.4', '2.0', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '2.8', '2.9', '2.10', '2.11', '2.12', '2.13', '2.14', 'Unstable']);
const writable = new Set(['role', 'external_id', 'email', 'phone', 'name', 'avatar', 'signed_up_at', 'last_seen_at', 'owner_id', 'unsubscribed_from_emails', 'custom_attributes']);
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_PER_PAGE = 150;

/** Intercom's error body: `{"type":"error.list","request_id","errors":[{"code","message"}]}`. */
const errorList = (status: number, code: string, message: string, headers?: Record<string, string>): SandboxResponse => ({
  status,
  headers,
  json: { type: 'error.list', request_id: randomBytes(10).toString('hex'), errors: [{ code, message }] },
});

class Refused extends Error {
  constructor(readonly response: SandboxResponse) {
    super('refused');
  }
}

/** Starts an Intercom REST API simulator: contacts create, update, delete, search and list with cursor paging. */
export async function startIntercomSandbox(options: IntercomSandboxOptions = {}): Promise<IntercomSandbox> {
  const tokens = new Set(options.accessTokens ?? ['sandbox-intercom-token']);
  const attributes = options.customAttributes ?? { plan: 'string', score: 'number', vip: 'boolean' };
  const budget = new RateBudget(options.rateLimit ?? 1666, 10_000);
  const state: IntercomSandboxState = { contacts: [], versions: [] };
  // Cursors handed out by list pages: an opaque token → the id the next page starts after, and that page's number.
  const cursors = new Map<string, { after: string; page: number }>();

  const now = () => Math.floor(Date.now() / 1000);
  const newId = () => randomBytes(12).toString('hex');
  const find = (id: string) => state.contacts.find((c) => c.id === id);
  const sameEmail = (email: string) => state.contacts.find((c) => c.email !== null && c.email.toLowerCase() === email.toLowerCase());
  const sameExternal = (external: string) => state.contacts.find((c) => c.external_id === external);

  /** Checks a create or update body; returns the fields it sets. */
  const check = (raw: unknown, self?: IntercomContact): Partial<IntercomContact> => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Refused(errorList(400, 'parameter_invalid', 'Request body must be a JSON object'));
    const body = raw as Record<string, unknown>;
    const unknown = Object.keys(body).find((k) => !writable.has(k));
    if (unknown) throw new Refused(errorList(400, 'parameter_invalid', `${unknown} is not a valid parameter`));
    const out: Partial<IntercomContact> = {};
    if (body.role !== undefined) {
      if (body.role !== 'user' && body.role !== 'lead') throw new Refused(errorList(400, 'parameter_invalid', 'role must be one of user, lead'));
      out.role = body.role;
    }
    for (const field of ['external_id', 'email', 'phone', 'name'] as const) {
      const v = body[field];
      if (v === undefined) continue;
      if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw new Refused(errorList(400, 'parameter_invalid', `${field} must be a string`));
      out[field] = v === null ? null : String(v);
    }
    if (out.email && !emailPattern.test(out.email)) throw new Refused(errorList(400, 'parameter_invalid', 'Email address is invalid'));
    for (const field of ['signed_up_at', 'last_seen_at'] as const) {
      const v = body[field];
      if (v === undefined) continue;
      if (v !== null && !Number.isInteger(v)) throw new Refused(errorList(400, 'parameter_invalid', `${field} must be a UNIX timestamp`));
      out[field] = v as number | null;
    }
    if (body.unsubscribed_from_emails !== undefined) out.unsubscribed_from_emails = body.unsubscribed_from_emails === true;
    if (body.custom_attributes !== undefined) {
      const ca = body.custom_attributes;
      if (ca === null || typeof ca !== 'object' || Array.isArray(ca)) throw new Refused(errorList(400, 'parameter_invalid', 'custom_attributes must be an object'));
      const values: Record<string, string | number | boolean | null> = { ...self?.custom_attributes };
      for (const [name, value] of Object.entries(ca as Record<string, unknown>)) {
        const type = attributes[name];
        if (!type) throw new Refused(errorList(400, 'parameter_not_found', `Custom attribute '${name}' does not exist`));
        if (value !== null && typeof value !== type) throw new Refused(errorList(400, 'parameter_invalid', `Custom attribute '${name}' must be a ${type}`));
        values[name] = value as string | number | boolean | null;
      }
      out.custom_attributes = values;
    }
    const email = out.email;
    if (email) {
      const other = sameEmail(email);
      if (other && other !== self && (out.role ?? self?.role ?? 'user') === 'user' && other.role === 'user') {
        throw new Refused(errorList(409, 'conflict', `A contact matching those details already exists with id=${other.id}`));
      }
    }
    if (out.external_id) {
      const other = sameExternal(out.external_id);
      if (other && other !== self) throw new Refused(errorList(409, 'conflict', `A contact matching those details already exists with id=${other.id}`));
    }
    return out;
  };

  const create = (raw: unknown): IntercomContact => {
    const fields = check(raw);
    const role = fields.role ?? 'user';
    if (role === 'user' && !fields.email && !fields.external_id) {
      throw new Refused(errorList(400, 'parameter_invalid', 'Either email or external_id is required for a user'));
    }
    const at = now();
    const contact: IntercomContact = {
      type: 'contact',
      id: newId(),
      workspace_id: WORKSPACE,
      external_id: null,
      role,
      email: null,
      phone: null,
      name: null,
      owner_id: null,
      unsubscribed_from_emails: false,
      custom_attributes: Object.fromEntries(Object.keys(attributes).map((a) => [a, null])),
      created_at: at,
      updated_at: at,
      signed_up_at: null,
      last_seen_at: null,
      ...fields,
    };
    contact.custom_attributes = { ...Object.fromEntries(Object.keys(attributes).map((a) => [a, null])), ...fields.custom_attributes };
    state.contacts.push(contact);
    return contact;
  };

  const parse = (req: SandboxRequest): unknown => {
    try {
      return JSON.parse(req.body) as unknown;
    } catch {
      throw new Refused(errorList(400, 'parameter_invalid', 'There was a problem in the JSON you submitted: unexpected token'));
    }
  };

  /** A page of contacts after `after` (an id), with Intercom's pages object; `next` only when more follow. */
  const page = (list: IntercomContact[], perPage: number, after: string | undefined, pageNumber: number) => {
    const start = after === undefined ? 0 : list.findIndex((c) => c.id === after) + 1;
    const data = list.slice(start, start + perPage);
    const more = start + perPage < list.length;
    const totalPages = Math.max(1, Math.ceil(list.length / perPage));
    const pages: Record<string, unknown> = { type: 'pages', page: pageNumber, per_page: perPage, total_pages: totalPages };
    if (more && data.length > 0) {
      const token = Buffer.from(JSON.stringify([randomBytes(4).toString('hex'), data[data.length - 1]!.id])).toString('base64');
      cursors.set(token, { after: data[data.length - 1]!.id, page: pageNumber + 1 });
      pages.next = { page: pageNumber + 1, starting_after: token };
    }
    return { type: 'list', data, total_count: list.length, pages };
  };

  const perPageOf = (value: unknown): number => {
    if (value === undefined || value === null || value === '') return 50;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PER_PAGE) throw new Refused(errorList(400, 'parameter_invalid', `per_page must be between 1 and ${MAX_PER_PAGE}`));
    return n;
  };
  const cursorOf = (token: unknown): { after?: string; page: number } => {
    if (token === undefined || token === null || token === '') return { page: 1 };
    const cursor = cursors.get(String(token));
    if (cursor === undefined) throw new Refused(errorList(400, 'parameter_invalid', 'starting_after is invalid'));
    return cursor;
  };

  /** The search query: one `{field, operator, value}` or an AND/OR of them (operators =, !=, ~, IN, >, <). */
  const matches = (contact: IntercomContact, query: unknown): boolean => {
    if (query === null || typeof query !== 'object') throw new Refused(errorList(400, 'parameter_invalid', 'query is required'));
    const q = query as { field?: unknown; operator?: unknown; value?: unknown };
    if (q.operator === 'AND' || q.operator === 'OR') {
      if (!Array.isArray(q.value)) throw new Refused(errorList(400, 'parameter_invalid', 'value must be an array for AND/OR'));
      return q.operator === 'AND' ? q.value.every((v) => matches(contact, v)) : q.value.some((v) => matches(contact, v));
    }
    if (typeof q.field !== 'string') throw new Refused(errorList(400, 'parameter_invalid', 'field is required'));
    const field = q.field.startsWith('custom_attributes.') ? undefined : q.field;
    const actual = field === undefined ? contact.custom_attributes[q.field.slice('custom_attributes.'.length)] : (contact as unknown as Record<string, unknown>)[field];
    if (field !== undefined && !(field in contact)) throw new Refused(errorList(400, 'parameter_invalid', `${q.field} is not a searchable field`));
    const text = actual === null || actual === undefined ? null : String(actual);
    const want = q.value;
    switch (q.operator) {
      case '=':
        return want === null ? text === null : text !== null && text.toLowerCase() === String(want).toLowerCase();
      case '!=':
        return want === null ? text !== null : text === null || text.toLowerCase() !== String(want).toLowerCase();
      case '~':
        return text !== null && text.toLowerCase().includes(String(want).toLowerCase());
      case 'IN':
        return Array.isArray(want) && text !== null && want.map(String).includes(text);
      case '>':
        return text !== null && Number(text) > Number(want);
      case '<':
        return text !== null && Number(text) < Number(want);
      default:
        throw new Refused(errorList(400, 'parameter_invalid', `operator ${String(q.operator)} is not supported`));
    }
  };

  const api = (req: SandboxRequest): SandboxResponse => {
    const { method, path } = req;
    if (path === '/me' && method === 'GET') {
      return { status: 200, json: { type: 'admin', id: '991267460', email: 'admin@example.com', name: 'Sandbox Admin', email_verified: true, app: { type: 'app', id_code: WORKSPACE, name: 'Sandbox', created_at: 1_700_000_000, secure: false, identity_verification: false, timezone: 'UTC', region: 'US' }, avatar: { type: 'avatar', image_url: null }, has_inbox_seat: true } };
    }
    if (path === '/contacts' && method === 'POST') return { status: 200, json: create(parse(req)) };
    if (path === '/contacts' && method === 'GET') {
      const perPage = perPageOf(req.query.get('per_page') ?? undefined);
      const { after, page: n } = cursorOf(req.query.get('starting_after') ?? undefined);
      return { status: 200, json: page(state.contacts, perPage, after, n) };
    }
    if (path === '/contacts/search' && method === 'POST') {
      const body = parse(req) as { query?: unknown; pagination?: { per_page?: unknown; starting_after?: unknown } } | null;
      const perPage = perPageOf(body?.pagination?.per_page);
      const found = state.contacts.filter((c) => matches(c, body?.query));
      const { after, page: n } = cursorOf(body?.pagination?.starting_after);
      return { status: 200, json: page(found, perPage, after, n) };
    }
    const one = /^\/contacts\/([^/]+)$/.exec(path);
    if (one) {
      const contact = find(decodeURIComponent(one[1]!));
      if (!contact) return errorList(404, 'not_found', 'User Not Found');
      if (method === 'GET') return { status: 200, json: contact };
      if (method === 'PUT') {
        const fields = check(parse(req), contact);
        Object.assign(contact, fields, { updated_at: Math.max(now(), contact.updated_at) });
        return { status: 200, json: contact };
      }
      if (method === 'DELETE') {
        state.contacts = state.contacts.filter((c) => c !== contact);
        return { status: 200, json: { id: contact.id, external_id: contact.external_id, type: 'contact', deleted: true } };
      }
    }
    return errorList(404, 'not_found', 'Resource Not Found');
  };

  const limitHeaders = (b: RateBudgetState): Record<string, string> => ({
    'X-RateLimit-Limit': String(b.limit),
    'X-RateLimit-Remaining': String(b.remaining),
    'X-RateLimit-Reset': String(Math.ceil(b.resetAt / 1000)),
  });

  const handle = (req: SandboxRequest): SandboxResponse => {
    const token = bearerToken(req.headers);
    if (token === undefined || !tokens.has(token)) return errorList(401, 'unauthorized', 'Access Token Invalid');
    const version = typeof req.headers['intercom-version'] === 'string' ? req.headers['intercom-version'] : null;
    if (version !== null && !versions.has(version)) return errorList(400, 'intercom_version_invalid', `Requested version ${version} is not valid`);
    state.versions.push(version);
    const b = budget.take();
    if (!b.allowed) return errorList(429, 'rate_limit_exceeded', 'Exceeded rate limit of 1666 in 10_seconds', limitHeaders(b));
    let answer: SandboxResponse;
    try {
      answer = api(req);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      answer = e.response;
    }
    return { ...answer, headers: { ...answer.headers, ...limitHeaders(b) } };
  };

  const seed = (contacts: unknown[]) => {
    for (const c of contacts) {
      try {
        create(c);
      } catch (e) {
        if (e instanceof Refused) throw new Error(`seed: ${JSON.stringify(e.response.json)}`);
        throw e;
      }
    }
  };
  const reset = () => {
    state.contacts = [];
    state.versions = [];
    cursors.clear();
    budget.reset();
    seed(options.seed?.contacts ?? []);
  };
  reset();

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ contacts: state.contacts }),
      reset,
      seed(data) {
        const contacts = (data as { contacts?: unknown }).contacts;
        if (!Array.isArray(contacts)) throw new Error('seed expects { "contacts": [ {"email": ...}, ... ] }');
        seed(contacts);
      },
      faultResponse: (status) =>
        status === 429
          ? errorList(429, 'rate_limit_exceeded', 'Exceeded rate limit of 1666 in 10_seconds')
          : status >= 500
            ? errorList(status, 'server_error', 'Server Error')
            : errorList(status, 'parameter_invalid', 'Bad request'),
      rateLimit: (setting) => budget.configure(setting),
    },
    options,
  );
  return Object.assign(server, { state });
}
