import { randomUUID } from 'node:crypto';
import { bearerToken } from '../bearer-token.js';
import { createOAuthCodeFlow } from '../oauth-code-flow.js';
import { RateBudget, type RateBudgetState } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A stored contact, as the CRM v3 API returns it. */
export interface HubSpotContact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubSpotSandboxOptions extends SandboxServerOptions {
  /** The private-app token accepted as `Authorization: Bearer` (default `sandbox-private-app-token`). */
  accessToken?: string;
  /** Accepts other bearer tokens (plug a sandbox OAuth provider's tokens here); the sandbox's own OAuth tokens always work. */
  validateToken?: (token: string) => boolean;
  clientId?: string;
  clientSecret?: string;
  /** Access-token lifetime of the OAuth flow in seconds (default 1800). */
  tokenLifetimeSeconds?: number;
  /** Requests per ten seconds (default 100, a Free/Starter private app) and per day (default 250,000). */
  rateLimit?: { tenSecondly?: number; daily?: number };
  /** Custom contact properties besides the default ones. */
  properties?: string[];
  /** Order of batch results: `reversed` (default; HubSpot does not promise input order, so clients must match) or `input`. */
  resultOrder?: 'reversed' | 'input';
  /** Contacts present from the start (and after a reset): property maps. */
  seed?: { contacts?: Record<string, unknown>[] };
}

export interface HubSpotSandboxState {
  contacts: HubSpotContact[];
}

export type HubSpotSandbox = SandboxHandle & { state: HubSpotSandboxState };

interface PropertyError {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

/** One input that failed, with the status it would give the whole batch. */
class InputFailure extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly details: { message: string; code: string; in?: string }[] = [],
  ) {
    super(message);
  }
}

const defaultProperties = [
  'email', 'firstname', 'lastname', 'phone', 'mobilephone', 'company', 'website', 'jobtitle', 'lifecyclestage', 'hs_lead_status',
  'address', 'city', 'state', 'zip', 'country', 'createdate', 'lastmodifieddate', 'hs_object_id',
];
const readOnly = new Set(['hs_object_id', 'lastmodifieddate']);
const shownByDefault = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];
const lifecycleStages = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'];
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const authHelp = 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

/** The account any valid token may read (`GET /account-info/v3/details`, or its dated successor): a connection test. */
const accountInfoPaths = new Set(['/account-info/v3/details', '/account-info/2026-03/details']);
const accountDetails = {
  portalId: 2519445,
  accountType: 'STANDARD',
  timeZone: 'US/Eastern',
  companyCurrency: 'USD',
  additionalCurrencies: [],
  utcOffset: '-05:00',
  utcOffsetMilliseconds: -18_000_000,
  uiDomain: 'app.hubspot.com',
  dataHostingLocation: 'na1',
};

/** HubSpot's error body: `{"status":"error","message","correlationId","category",...}`. */
const hubspotError = (status: number, category: string, message: string, extra: Record<string, unknown> = {}): SandboxResponse => ({
  status,
  json: { status: 'error', message, correlationId: randomUUID(), category, ...extra },
});

/** Starts a HubSpot CRM v3 contacts simulator: batch create/update/upsert with 207 multi-status, cursor paging, rate limits. */
export async function startHubSpotSandbox(options: HubSpotSandboxOptions = {}): Promise<HubSpotSandbox> {
  const staticToken = options.accessToken ?? 'sandbox-private-app-token';
  const known = new Set([...defaultProperties, ...(options.properties ?? [])]);
  const tenSecondly = new RateBudget(options.rateLimit?.tenSecondly ?? 100, 10_000);
  const daily = new RateBudget(options.rateLimit?.daily ?? 250_000, 24 * 3600_000);
  const reversed = (options.resultOrder ?? 'reversed') === 'reversed';
  const oauth = createOAuthCodeFlow({
    clientId: options.clientId ?? 'sandbox-client',
    clientSecret: options.clientSecret ?? 'sandbox-secret',
    expiresIn: options.tokenLifetimeSeconds ?? 1800,
    tokenPrefix: 'CNb',
    refreshReturnsRefreshToken: true,
  });
  const state: HubSpotSandboxState = { contacts: [] };
  let nextId = 101;

  const byEmail = (email: string) => state.contacts.find((c) => !c.archived && c.properties.email?.toLowerCase() === email.toLowerCase());
  const byId = (id: string) => state.contacts.find((c) => !c.archived && c.id === id);
  const find = (id: string, idProperty: string | undefined) => (idProperty === 'email' ? byEmail(id) : byId(id));

  /** Checks property values; returns them as strings (HubSpot stores text) or throws the validation failure. */
  const checkProperties = (raw: unknown, system = false): Record<string, string> => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InputFailure(400, 'VALIDATION_ERROR', 'Invalid input JSON: properties must be an object');
    const errors: PropertyError[] = [];
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (!known.has(name)) {
        errors.push({ isValid: false, message: `Property "${name}" does not exist`, error: 'PROPERTY_DOESNT_EXIST', name });
        continue;
      }
      if (readOnly.has(name) && !system) {
        errors.push({ isValid: false, message: `${name} is a read only property; its value cannot be set.`, error: 'READ_ONLY_VALUE', name });
        continue;
      }
      const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
      if (name === 'email' && text !== '' && !emailPattern.test(text)) {
        errors.push({ isValid: false, message: `Email address ${text} is invalid`, error: 'INVALID_EMAIL', name });
        continue;
      }
      if (name === 'lifecyclestage' && text !== '' && !lifecycleStages.includes(text)) {
        errors.push({ isValid: false, message: `${text} was not one of the allowed options: [${lifecycleStages.join(', ')}]`, error: 'INVALID_OPTION', name });
        continue;
      }
      values[name] = text;
    }
    if (errors.length > 0) {
      throw new InputFailure(
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify(errors)}`,
        errors.map((e) => ({ message: e.message, code: e.error, in: e.name })),
      );
    }
    return values;
  };

  const create = (properties: Record<string, string>, at?: string): HubSpotContact => {
    if (properties.email && byEmail(properties.email)) {
      const existing = byEmail(properties.email)!;
      throw new InputFailure(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
    }
    const now = at ?? new Date().toISOString();
    const id = String(nextId++);
    const contact: HubSpotContact = {
      id,
      properties: { createdate: now, lastmodifieddate: now, ...properties, hs_object_id: id },
      createdAt: properties.createdate ?? now,
      updatedAt: now,
      archived: false,
    };
    state.contacts.push(contact);
    return contact;
  };

  const update = (contact: HubSpotContact, properties: Record<string, string>): void => {
    if (properties.email && properties.email.toLowerCase() !== contact.properties.email?.toLowerCase()) {
      const other = byEmail(properties.email);
      if (other) throw new InputFailure(409, 'CONFLICT', `Contact already exists. Existing ID: ${other.id}`);
    }
    const now = new Date().toISOString();
    Object.assign(contact.properties, properties, { lastmodifieddate: now });
    contact.updatedAt = now;
  };

  const view = (c: HubSpotContact, props?: string[]): Omit<HubSpotContact, 'properties'> & { properties: Record<string, string | null> } => {
    const names = props ?? shownByDefault;
    return { id: c.id, properties: Object.fromEntries(names.filter((n) => known.has(n)).map((n) => [n, c.properties[n] ?? null])), createdAt: c.createdAt, updatedAt: c.updatedAt, archived: c.archived };
  };
  const written = (c: HubSpotContact, sent: Record<string, string>) =>
    view(c, [...new Set([...Object.keys(sent), 'createdate', 'hs_object_id', 'lastmodifieddate'])]);

  /** Runs a batch: all inputs, then 200/201 when all passed; 207 when some failed and every input has an objectWriteTraceId; else the first failure for the whole batch. */
  const batch = (
    req: SandboxRequest,
    okStatus: number,
    run: (input: Record<string, any>) => Record<string, unknown>,
    duplicateKey?: (input: Record<string, any>) => string | undefined,
  ): SandboxResponse => {
    let body: any;
    try {
      body = JSON.parse(req.body);
    } catch {
      return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 1: Cannot parse the request body');
    }
    const inputs = body?.inputs;
    if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "inputs" must be an array');
    if (inputs.length > 100) return hubspotError(400, 'VALIDATION_ERROR', `Too many inputs: ${inputs.length}. The maximum number of inputs in a batch request is 100.`);
    if (duplicateKey) {
      const seen = new Set<string>();
      const dupes = new Set<string>();
      for (const i of inputs) {
        const k = duplicateKey(i)?.toLowerCase();
        if (k === undefined) continue;
        if (seen.has(k)) dupes.add(k);
        seen.add(k);
      }
      if (dupes.size > 0) return hubspotError(400, 'VALIDATION_ERROR', `Duplicate IDs found in batch input: [${[...dupes].join(', ')}]. IDs must be unique`);
    }
    const traced = inputs.length > 0 && inputs.every((i: any) => typeof i?.objectWriteTraceId === 'string');
    const snapshot = traced ? undefined : structuredClone(state.contacts);
    const startedAt = new Date().toISOString();
    const results: Record<string, unknown>[] = [];
    const errors: { input: any; failure: InputFailure }[] = [];
    for (const input of inputs) {
      try {
        if (!input || typeof input !== 'object') throw new InputFailure(400, 'VALIDATION_ERROR', 'Invalid input JSON: each input must be an object');
        results.push(run(input));
      } catch (e) {
        if (!(e instanceof InputFailure)) throw e;
        if (!traced) {
          // Without trace ids HubSpot refuses the whole batch: nothing is written.
          state.contacts = snapshot!;
          return hubspotError(e.status, e.category, e.message, e.details.length > 0 ? { errors: e.details } : {});
        }
        errors.push({ input, failure: e });
      }
    }
    if (reversed) results.reverse();
    const completedAt = new Date().toISOString();
    const base = { status: 'COMPLETE', results, requestedAt: startedAt, startedAt, completedAt };
    if (errors.length === 0) return { status: okStatus, json: base };
    return {
      status: 207,
      json: {
        ...base,
        numErrors: errors.length,
        errors: errors.map(({ input, failure }) => ({
          status: 'error',
          category: failure.category,
          message: failure.message,
          context: { objectWriteTraceId: [input.objectWriteTraceId] },
          errors: failure.details,
        })),
      },
    };
  };

  const api = (req: SandboxRequest, route: string): SandboxResponse => {
    const m = req.method;
    const q = req.query;
    if (route === '' && m === 'GET') {
      const limit = q.get('limit') === null ? 10 : Number(q.get('limit'));
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return hubspotError(400, 'VALIDATION_ERROR', `limit must be between 1 and 100, got ${q.get('limit')}`);
      const archived = q.get('archived') === 'true';
      const props = q.get('properties')?.split(',').filter((p) => p !== '');
      const list = state.contacts.filter((c) => c.archived === archived);
      const after = q.get('after');
      const start = after === null ? 0 : list.findIndex((c) => Number(c.id) >= Number(after));
      const page = start < 0 ? [] : list.slice(start, start + limit);
      const next = start < 0 ? undefined : list[start + limit];
      const json: Record<string, unknown> = { results: page.map((c) => view(c, props)) };
      if (next) json.paging = { next: { after: next.id, link: `${req.origin}/crm/v3/objects/contacts?limit=${limit}&after=${next.id}` } };
      return { status: 200, json };
    }
    if (route === '' && m === 'POST') {
      let body: any;
      try {
        body = JSON.parse(req.body);
      } catch {
        return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 1: Cannot parse the request body');
      }
      try {
        const props = checkProperties(body?.properties);
        return { status: 201, json: written(create(props), props) };
      } catch (e) {
        if (e instanceof InputFailure) return hubspotError(e.status, e.category, e.message);
        throw e;
      }
    }
    if (route === '/batch/create' && m === 'POST') {
      return batch(req, 201, (input) => {
        const props = checkProperties(input.properties);
        return written(create(props), props);
      });
    }
    if (route === '/batch/update' && m === 'POST') {
      return batch(
        req,
        200,
        (input) => {
          const props = checkProperties(input.properties);
          const contact = find(String(input.id), input.idProperty) ?? (() => {
            throw new InputFailure(404, 'OBJECT_NOT_FOUND', `Object not found. objectId are usually numeric. id: ${String(input.id)}`);
          })();
          update(contact, props);
          return written(contact, props);
        },
        (input) => (input?.id === undefined ? undefined : String(input.id)),
      );
    }
    if (route === '/batch/upsert' && m === 'POST') {
      return batch(
        req,
        200,
        (input) => {
          const idProperty = input.idProperty ?? 'hs_object_id';
          if (idProperty !== 'email' && idProperty !== 'hs_object_id') {
            throw new InputFailure(400, 'VALIDATION_ERROR', `Property ${idProperty} is not a unique identifier property`);
          }
          if (input.id === undefined || input.id === null || input.id === '') throw new InputFailure(400, 'VALIDATION_ERROR', 'Invalid input: id is required');
          const props = checkProperties(input.properties);
          const existing = find(String(input.id), idProperty === 'email' ? 'email' : undefined);
          if (existing) {
            update(existing, props);
            return { ...written(existing, idProperty === 'email' ? { ...props, email: '' } : props), new: false };
          }
          if (idProperty !== 'email') throw new InputFailure(404, 'OBJECT_NOT_FOUND', `Object not found. objectId are usually numeric. id: ${String(input.id)}`);
          if (!emailPattern.test(String(input.id))) {
            throw new InputFailure(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify([{ isValid: false, message: `Email address ${String(input.id)} is invalid`, error: 'INVALID_EMAIL', name: 'email' }])}`, [
              { message: `Email address ${String(input.id)} is invalid`, code: 'INVALID_EMAIL', in: 'email' },
            ]);
          }
          const created = create({ ...props, email: String(input.id) });
          return { ...written(created, { ...props, email: '' }), new: true };
        },
        (input) => (input?.id === undefined ? undefined : String(input.id)),
      );
    }
    if (route === '/batch/read' && m === 'POST') {
      let body: any;
      try {
        body = JSON.parse(req.body);
      } catch {
        return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON');
      }
      const props: string[] | undefined = Array.isArray(body?.properties) ? body.properties : undefined;
      const found = (Array.isArray(body?.inputs) ? body.inputs : []).map((i: any) => find(String(i?.id), body.idProperty)).filter((c: HubSpotContact | undefined) => c !== undefined);
      return { status: 200, json: { status: 'COMPLETE', results: found.map((c: HubSpotContact) => view(c, props)) } };
    }
    if (route === '/batch/archive' && m === 'POST') {
      let body: any;
      try {
        body = JSON.parse(req.body);
      } catch {
        return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON');
      }
      for (const i of Array.isArray(body?.inputs) ? body.inputs : []) {
        const c = byId(String(i?.id));
        if (c) c.archived = true;
      }
      return { status: 204 };
    }
    const one = /^\/([^/]+)$/.exec(route);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      const contact = find(id, q.get('idProperty') ?? undefined);
      if (!contact) return hubspotError(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });
      if (m === 'GET') return { status: 200, json: view(contact, q.get('properties')?.split(',')) };
      if (m === 'DELETE') {
        contact.archived = true;
        return { status: 204 };
      }
      if (m === 'PATCH') {
        try {
          const body = JSON.parse(req.body);
          const props = checkProperties(body?.properties);
          update(contact, props);
          return { status: 200, json: written(contact, props) };
        } catch (e) {
          if (e instanceof InputFailure) return hubspotError(e.status, e.category, e.message);
          if (e instanceof SyntaxError) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON');
          throw e;
        }
      }
    }
    return hubspotError(404, 'OBJECT_NOT_FOUND', `Unable to route ${m} request: ${req.path}`);
  };

  const limitHeaders = (ten: RateBudgetState, day: RateBudgetState): Record<string, string> => ({
    'X-HubSpot-RateLimit-Daily': String(day.limit),
    'X-HubSpot-RateLimit-Daily-Remaining': String(day.remaining),
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(ten.windowMs),
    'X-HubSpot-RateLimit-Max': String(ten.limit),
    'X-HubSpot-RateLimit-Remaining': String(ten.remaining),
    'X-HubSpot-RateLimit-Secondly': String(Math.ceil(ten.limit / 10)),
    'X-HubSpot-RateLimit-Secondly-Remaining': String(Math.min(Math.ceil(ten.limit / 10), ten.remaining)),
  });

  const handle = (req: SandboxRequest): SandboxResponse => {
    if (req.path === '/oauth/authorize' && req.method === 'GET') return oauth.authorize(req);
    if ((req.path === '/oauth/v1/token' || req.path === '/oauth/2026-03/token') && req.method === 'POST') return oauth.token(req);
    const token = bearerToken(req.headers);
    if (token === undefined) return hubspotError(401, 'INVALID_AUTHENTICATION', authHelp);
    if (token !== staticToken && options.validateToken?.(token) !== true) {
      const check = oauth.check(token);
      if (check === 'expired') return hubspotError(401, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired 1 second(s) ago.');
      if (check === 'invalid') return hubspotError(401, 'INVALID_AUTHENTICATION', authHelp);
    }
    const day = daily.peek();
    const ten = tenSecondly.take();
    if (!ten.allowed || !day.allowed) {
      const policy = ten.allowed ? 'DAILY' : 'TEN_SECONDLY_ROLLING';
      return {
        status: 429,
        headers: limitHeaders(ten, day),
        json: {
          status: 'error',
          message: policy === 'DAILY' ? 'You have reached your daily limit.' : 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: policy,
          requestId: randomUUID(),
        },
      };
    }
    const dayAfter = daily.take();
    const prefix = '/crm/v3/objects/contacts';
    const answer =
      req.path === prefix || req.path.startsWith(prefix + '/')
        ? api(req, req.path.slice(prefix.length))
        : accountInfoPaths.has(req.path) && req.method === 'GET'
          ? { status: 200, json: accountDetails }
          : hubspotError(404, 'OBJECT_NOT_FOUND', `Unable to route ${req.method} request: ${req.path}`);
    return { ...answer, headers: { ...answer.headers, ...limitHeaders(ten, dayAfter) } };
  };

  const seed = (contacts: unknown[]) => {
    for (const c of contacts) create(checkProperties(c, true), (c as { createdate?: string }).createdate);
  };
  const reset = () => {
    state.contacts = [];
    nextId = 101;
    tenSecondly.reset();
    daily.reset();
    oauth.reset();
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
        try {
          seed(contacts);
        } catch (e) {
          throw new Error(`seed: ${(e as Error).message}`);
        }
      },
      faultResponse: (status) =>
        status === 429
          ? { status, json: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'TEN_SECONDLY_ROLLING' } }
          : hubspotError(status, status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR', status >= 500 ? 'internal error' : 'Bad request'),
      rateLimit: (setting) => tenSecondly.configure(setting),
      expireTokens: () => oauth.expireAll(),
    },
    options,
  );
  return Object.assign(server, { state });
}
