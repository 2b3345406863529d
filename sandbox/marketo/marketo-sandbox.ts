import { randomBytes, randomUUID } from 'node:crypto';
import { bearerToken } from '../bearer-token.js';
import { RateBudget } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A stored lead: Marketo's id and its field values. */
export interface MarketoLead {
  id: number;
  fields: Record<string, string | number | boolean | null>;
  createdAt: string;
  updatedAt: string;
  /** Static lists the lead is a member of. */
  lists: number[];
}

export interface MarketoSandboxOptions extends SandboxServerOptions {
  /** The custom service's client id and secret (default sandbox-client / sandbox-secret). */
  clientId?: string;
  clientSecret?: string;
  /** Access-token lifetime in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
  /** A token expires once it has served this many REST calls (default: only its lifetime counts), so tests see 602 mid-run. */
  callsPerToken?: number;
  /** Calls per 20 seconds (default 100) and a day (default 50,000). */
  rateLimit?: { perTwentySeconds?: number; daily?: number };
  /** Lead fields besides the standard ones, with their type. */
  fields?: Record<string, FieldType>;
  /** Leads present from the start (and after a reset); `lists` puts them in static lists by id. */
  seed?: { leads?: Record<string, unknown>[]; lists?: Record<string, string[]> };
}

export interface MarketoSandboxState {
  leads: MarketoLead[];
  /** Access tokens issued, with when each expires (epoch ms). */
  tokens: Map<string, number>;
}

export type MarketoSandbox = SandboxHandle & { state: MarketoSandboxState; expireTokens(): void };

type FieldType = 'string' | 'email' | 'integer' | 'boolean';

const standardFields: Record<string, FieldType> = {
  email: 'email',
  firstName: 'string',
  lastName: 'string',
  company: 'string',
  title: 'string',
  phone: 'string',
  city: 'string',
  country: 'string',
  leadSource: 'string',
  leadScore: 'integer',
  unsubscribed: 'boolean',
  externalId: 'string',
};
const lookupFields = new Set(['email', 'id', 'externalId', 'leadPartitionId']);
const actions = new Set(['createOnly', 'updateOnly', 'createOrUpdate', 'createDuplicate']);
const MAX_INPUT = 300;
const MAX_BATCH_SIZE = 300;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Marketo's REST answer: always HTTP 200, `success` saying whether the call worked, `errors` when not. */
const failure = (code: string, message: string): SandboxResponse => ({
  status: 200,
  json: { requestId: `${randomBytes(2).toString('hex')}#${randomBytes(6).toString('hex').slice(0, 11)}`, success: false, errors: [{ code, message }] },
});
const answer = (body: Record<string, unknown>): SandboxResponse => ({
  status: 200,
  json: { requestId: `${randomBytes(2).toString('hex')}#${randomBytes(6).toString('hex').slice(0, 11)}`, ...body, success: true },
});

/** One input skipped: its reason, as the per-record `reasons` say it. */
class Skipped extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Starts a Marketo REST API simulator: client-credentials tokens at /identity/oauth/token, leads pushed 300 at a time
 * with a per-record status, errors as HTTP 200 with success false (601/602 token, 606 rate), static-list reads with
 * nextPageToken.
 */
export async function startMarketoSandbox(options: MarketoSandboxOptions = {}): Promise<MarketoSandbox> {
  const clientId = options.clientId ?? 'sandbox-client';
  const clientSecret = options.clientSecret ?? 'sandbox-secret';
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const fields: Record<string, FieldType> = { ...standardFields, ...options.fields };
  const twenty = new RateBudget(options.rateLimit?.perTwentySeconds ?? 100, 20_000);
  const daily = new RateBudget(options.rateLimit?.daily ?? 50_000, 24 * 3600_000);
  const state: MarketoSandboxState = { leads: [], tokens: new Map() };
  const pageTokens = new Map<string, { list: number; after: number }>();
  const calls = new Map<string, number>();
  let nextId = 1001;

  const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  const identity = (req: SandboxRequest): SandboxResponse => {
    // The documented form is GET with query parameters; POST with the same parameters (in the query or a form body) also works.
    const params = new URLSearchParams(req.query);
    if (req.method === 'POST' && /x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''))) {
      for (const [k, v] of new URLSearchParams(req.body)) params.set(k, v);
    }
    if (params.get('grant_type') !== 'client_credentials') {
      return { status: 400, json: { error: 'invalid_request', error_description: 'Missing or unsupported grant type' } };
    }
    if (params.get('client_id') !== clientId || params.get('client_secret') !== clientSecret) {
      return { status: 401, json: { error: 'invalid_client', error_description: 'Bad client credentials' } };
    }
    // A token still valid is returned again with what is left of its life, as Marketo does.
    const now = Date.now();
    for (const [token, expires] of state.tokens) {
      if (expires > now + 1000) return { status: 200, headers: { 'Cache-Control': 'no-store' }, json: { access_token: token, token_type: 'bearer', expires_in: Math.floor((expires - now) / 1000), scope: 'apis@sandbox.example' } };
    }
    const token = `${randomUUID()}:ab`;
    state.tokens.set(token, now + lifetime * 1000);
    return { status: 200, headers: { 'Cache-Control': 'no-store' }, json: { access_token: token, token_type: 'bearer', expires_in: lifetime - 1, scope: 'apis@sandbox.example' } };
  };

  /** Checks one input's fields; returns them typed as Marketo stores them. */
  const checkFields = (input: Record<string, unknown>): Record<string, string | number | boolean | null> => {
    const out: Record<string, string | number | boolean | null> = {};
    for (const [name, value] of Object.entries(input)) {
      if (name === 'id') continue;
      const type = fields[name];
      if (!type) throw new Skipped('1006', `Field '${name}' not found`);
      if (value === null) {
        out[name] = null;
        continue;
      }
      if (type === 'integer') {
        const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
        if (!Number.isInteger(n)) throw new Skipped('1003', `Invalid value '${String(value)}'. Required of type 'integer' for field '${name}'`);
        out[name] = n;
      } else if (type === 'boolean') {
        if (typeof value === 'boolean') out[name] = value;
        else if (value === 'true' || value === 'false' || value === 1 || value === 0) out[name] = value === 'true' || value === 1;
        else throw new Skipped('1003', `Invalid value '${String(value)}'. Required of type 'boolean' for field '${name}'`);
      } else {
        const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
        if (type === 'email' && text !== '' && !emailPattern.test(text)) throw new Skipped('1003', `Invalid email address '${text}' for field '${name}'`);
        out[name] = text;
      }
    }
    return out;
  };

  const matching = (field: string, value: unknown): MarketoLead[] => {
    if (value === undefined || value === null || value === '') return [];
    if (field === 'id') return state.leads.filter((l) => l.id === Number(value));
    return state.leads.filter((l) => {
      const v = l.fields[field];
      return v !== undefined && v !== null && String(v).toLowerCase() === String(value).toLowerCase();
    });
  };

  const create = (values: Record<string, string | number | boolean | null>): MarketoLead => {
    const now = stamp();
    const lead: MarketoLead = { id: nextId++, fields: values, createdAt: now, updatedAt: now, lists: [] };
    state.leads.push(lead);
    return lead;
  };

  const pushLeads = (req: SandboxRequest): SandboxResponse => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return failure('609', 'Invalid JSON');
    }
    const action = body.action === undefined ? 'createOrUpdate' : String(body.action);
    if (!actions.has(action)) return failure('1003', `Invalid action '${action}'`);
    const lookupField = body.lookupField === undefined ? 'email' : String(body.lookupField);
    if (!lookupFields.has(lookupField) && !fields[lookupField]) return failure('1003', `Invalid lookup field '${lookupField}'`);
    const input = body.input;
    if (!Array.isArray(input) || input.length === 0) return failure('1003', "Value for required field 'input' not specified");
    if (input.length > MAX_INPUT) return failure('1003', `Batch size exceeded: ${input.length} records, the most is ${MAX_INPUT}`);
    const result = input.map((raw: unknown) => {
      try {
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Skipped('1003', 'Each input must be an object');
        const item = raw as Record<string, unknown>;
        const values = checkFields(item);
        if (action === 'createDuplicate') return { id: create(values).id, status: 'created' };
        const key = item[lookupField];
        if (key === undefined || key === null || key === '') {
          // Nothing to look up by: only a plain create can go on.
          if (action === 'createOnly') return { id: create(values).id, status: 'created' };
          throw new Skipped('1003', `Value for lookup field '${lookupField}' not specified`);
        }
        const found = matching(lookupField, key);
        if (found.length > 1) throw new Skipped('1007', 'Multiple leads match the lookup criteria');
        const existing = found[0];
        if (existing) {
          if (action === 'createOnly') throw new Skipped('1005', 'Lead already exists');
          Object.assign(existing.fields, values);
          existing.updatedAt = stamp();
          return { id: existing.id, status: 'updated' };
        }
        if (action === 'updateOnly') throw new Skipped('1004', 'Lead not found');
        return { id: create(values).id, status: 'created' };
      } catch (e) {
        if (!(e instanceof Skipped)) throw e;
        return { status: 'skipped', reasons: [{ code: e.code, message: e.message }] };
      }
    });
    return answer({ result });
  };

  const view = (lead: MarketoLead, only?: string[]) => {
    const names = only ?? ['firstName', 'lastName', 'email', 'updatedAt', 'createdAt'];
    const out: Record<string, unknown> = { id: lead.id };
    for (const n of names) {
      if (n === 'id') continue;
      out[n] = n === 'updatedAt' ? lead.updatedAt : n === 'createdAt' ? lead.createdAt : (lead.fields[n] ?? null);
    }
    return out;
  };

  const fieldList = (req: SandboxRequest): string[] | undefined => req.query.get('fields')?.split(',').map((f) => f.trim()).filter((f) => f !== '');

  const listLeads = (req: SandboxRequest, listId: number): SandboxResponse => {
    const size = req.query.get('batchSize') === null ? MAX_BATCH_SIZE : Number(req.query.get('batchSize'));
    if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) return failure('1003', `Invalid batchSize '${req.query.get('batchSize')}': between 1 and ${MAX_BATCH_SIZE}`);
    const token = req.query.get('nextPageToken');
    let after = 0;
    if (token !== null) {
      const known = pageTokens.get(token);
      if (!known || known.list !== listId) return failure('1003', `Invalid paging token '${token}'`);
      after = known.after;
    }
    const members = state.leads.filter((l) => l.lists.includes(listId) && l.id > after).sort((a, b) => a.id - b.id);
    const page = members.slice(0, size);
    const body: Record<string, unknown> = { result: page.map((l) => view(l, fieldList(req))) };
    if (members.length > size) {
      const next = randomBytes(24).toString('base64').replace(/[+/=]/g, '').slice(0, 32).toUpperCase();
      pageTokens.set(next, { list: listId, after: page[page.length - 1]!.id });
      body.nextPageToken = next;
    }
    return answer(body);
  };

  const addToList = (req: SandboxRequest, listId: number): SandboxResponse => {
    let body: { input?: { id?: unknown }[] };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return failure('609', 'Invalid JSON');
    }
    const result = (body.input ?? []).map((i) => {
      const lead = state.leads.find((l) => l.id === Number(i?.id));
      if (!lead) return { id: Number(i?.id), status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] };
      if (!lead.lists.includes(listId)) lead.lists.push(listId);
      return { id: lead.id, status: 'added' };
    });
    return answer({ result });
  };

  const rest = (req: SandboxRequest): SandboxResponse => {
    const token = bearerToken(req.headers);
    if (token === undefined) return failure('600', 'Access token missing');
    const expires = state.tokens.get(token);
    if (expires === undefined) return failure('601', 'Access token invalid');
    if (expires <= Date.now()) return failure('602', 'Access token expired');
    if (options.callsPerToken !== undefined) {
      const used = (calls.get(token) ?? 0) + 1;
      calls.set(token, used);
      if (used > options.callsPerToken) {
        state.tokens.set(token, 0);
        return failure('602', 'Access token expired');
      }
    }
    if (!daily.peek().allowed) return failure('607', 'Daily quota reached');
    const window = twenty.take();
    if (!window.allowed) return failure('606', `Max rate limit '${window.limit}' exceeded with in '20' secs`);
    daily.take();
    const { method, path } = req;
    if (path === '/rest/v1/leads.json' && method === 'POST') return pushLeads(req);
    if (path === '/rest/v1/leads.json' && method === 'GET') {
      const filterType = req.query.get('filterType');
      const values = req.query.get('filterValues')?.split(',') ?? [];
      if (!filterType || values.length === 0) return failure('1003', "Value for required field 'filterType' not specified");
      if (values.length > MAX_BATCH_SIZE) return failure('1003', `Too many filterValues: the most is ${MAX_BATCH_SIZE}`);
      const found = values.flatMap((v) => matching(filterType, v));
      return answer({ result: found.map((l) => view(l, fieldList(req))) });
    }
    const list = /^\/rest\/v1\/lists\/(\d+)\/leads\.json$/.exec(path);
    if (list) return method === 'GET' ? listLeads(req, Number(list[1])) : method === 'POST' ? addToList(req, Number(list[1])) : failure('610', 'Requested resource not found');
    if (path === '/rest/v1/stats/usage.json' && method === 'GET') {
      return answer({ result: [{ date: new Date().toISOString().slice(0, 10), total: daily.peek().limit - daily.peek().remaining, users: [{ userId: 'apis@sandbox.example', count: daily.peek().limit - daily.peek().remaining, apiCalls: [] }] }] });
    }
    return failure('610', 'Requested resource not found');
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    if (req.path === '/identity/oauth/token' && (req.method === 'GET' || req.method === 'POST')) return identity(req);
    if (req.path.startsWith('/rest/')) return rest(req);
    return { status: 404, text: 'Not Found' };
  };

  const seed = (leads: unknown[], lists: Record<string, string[]> = {}) => {
    for (const raw of leads) {
      if (!raw || typeof raw !== 'object') throw new Error('a seed lead is an object of field → value');
      try {
        create(checkFields(raw as Record<string, unknown>));
      } catch (e) {
        if (e instanceof Skipped) throw new Error(`seed: ${e.message}`);
        throw e;
      }
    }
    for (const [id, emails] of Object.entries(lists)) {
      for (const email of emails) {
        const lead = matching('email', email)[0];
        if (!lead) throw new Error(`seed: list ${id} names ${email}, which is no lead`);
        lead.lists.push(Number(id));
      }
    }
  };
  const reset = () => {
    state.leads = [];
    state.tokens.clear();
    pageTokens.clear();
    calls.clear();
    nextId = 1001;
    twenty.reset();
    daily.reset();
    seed(options.seed?.leads ?? [], options.seed?.lists);
  };
  reset();

  const expireTokens = () => {
    for (const token of state.tokens.keys()) state.tokens.set(token, 0);
  };
  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ leads: state.leads }),
      reset,
      seed(data) {
        const d = data as { leads?: unknown; lists?: Record<string, string[]> };
        if (!Array.isArray(d.leads)) throw new Error('seed expects { "leads": [ {"email": ...}, ... ], "lists": { "1001": ["email", ...] } }');
        seed(d.leads, d.lists);
      },
      // Marketo answers its own errors with HTTP 200; an injected status is the gateway's, with Marketo's text.
      faultResponse: (status) =>
        status === 429 ? failure('606', "Max rate limit '100' exceeded with in '20' secs") : { status, text: status >= 500 ? 'Service Unavailable' : 'Bad Request' },
      rateLimit: (setting) => twenty.configure(setting),
      expireTokens,
    },
    options,
  );
  return Object.assign(server, { state, expireTokens });
}
