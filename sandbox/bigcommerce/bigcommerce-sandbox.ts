import { RateBudget, type RateBudgetState } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A stored customer, as the v3 API returns it. */
export interface BigCommerceCustomer {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  company: string;
  phone: string;
  notes: string;
  tax_exempt_category: string;
  customer_group_id: number;
  date_created: string;
  date_modified: string;
  address_count: number;
  attribute_count: number;
  registration_ip_address: string;
  accepts_product_review_abandoned_cart_emails: boolean;
  origin_channel_id: number;
  channel_ids: number[] | null;
}

export interface BigCommerceSandboxOptions extends SandboxServerOptions {
  /** The store hash in `/stores/{hash}/v3/...` (default `sandbox`). */
  storeHash?: string;
  /** The API account token accepted as `X-Auth-Token` (default `sandbox-access-token`). */
  accessToken?: string;
  validateToken?: (token: string) => boolean;
  /** Requests per window (default 150 per 30 s, the Standard plan). */
  rateLimit?: { quota?: number; windowMs?: number };
  /** Customers per POST/PUT (default 10, the documented limit). */
  maxBatch?: number;
  /** Customers present from the start (and after a reset). */
  seed?: { customers?: Record<string, unknown>[] };
}

export interface BigCommerceSandboxState {
  customers: BigCommerceCustomer[];
}

export type BigCommerceSandbox = SandboxHandle & { state: BigCommerceSandboxState };

const errorType = 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes';
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const writable: Record<string, 'string' | 'number' | 'boolean' | 'numbers'> = {
  email: 'string', first_name: 'string', last_name: 'string', company: 'string', phone: 'string', notes: 'string',
  tax_exempt_category: 'string', customer_group_id: 'number', registration_ip_address: 'string',
  accepts_product_review_abandoned_cart_emails: 'boolean', origin_channel_id: 'number', channel_ids: 'numbers',
};
const maxLength: Record<string, number> = { email: 255, first_name: 100, last_name: 100, company: 255, phone: 50 };

/** `GET /stores/{hash}/v2/store`, abridged to the fields a client reads; `id` is the store hash. */
const storeInformation = (storeHash: string) => ({
  id: storeHash,
  domain: 'sandbox.example.com',
  secure_url: 'https://sandbox.example.com',
  control_panel_base_url: `https://store-${storeHash}.mybigcommerce.com`,
  status: 'live',
  name: 'Sandbox Store',
  first_name: 'Jane',
  last_name: 'Doe',
  country: 'United States',
  country_code: 'US',
  admin_email: 'jane.doe@example.com',
  order_email: 'orders@example.com',
  timezone: { name: 'America/Chicago', raw_offset: -21600, dst_offset: -18000, dst_correction: true },
  language: 'en',
  currency: 'USD',
  currency_symbol: '$',
  plan_name: 'Standard',
  plan_level: 'Standard',
  plan_is_trial: false,
  store_id: 1000001,
  default_channel_id: 1,
  default_site_id: 1000,
});

/** BigCommerce's v3 error body: `{"status","title","type","errors":{...}}`. */
const bcError = (status: number, title: string, errors: Record<string, string> = {}): SandboxResponse => ({
  status,
  json: { status, title, type: errorType, errors },
});

class Unprocessable extends Error {
  constructor(
    readonly errors: Record<string, string>,
    readonly title = 'JSON data is missing or is invalid',
  ) {
    super(title);
  }
}

const stamp = (d: Date = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function parseTime(v: string): number {
  return /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v);
}

/** Starts a BigCommerce v3 customers simulator: page paging with meta.pagination, batch POST/PUT, 30-second quotas. */
export async function startBigCommerceSandbox(options: BigCommerceSandboxOptions = {}): Promise<BigCommerceSandbox> {
  const storeHash = options.storeHash ?? 'sandbox';
  const token = options.accessToken ?? 'sandbox-access-token';
  const maxBatch = options.maxBatch ?? 10;
  const quota = new RateBudget(options.rateLimit?.quota ?? 150, options.rateLimit?.windowMs ?? 30_000);
  const state: BigCommerceSandboxState = { customers: [] };
  let nextId = 1;

  const check = (input: Record<string, unknown>, index: number, creating: boolean, selfId?: number): Partial<BigCommerceCustomer> => {
    const errors: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    for (const [field, kind] of Object.entries(writable)) {
      if (!(field in input)) continue;
      const v = input[field];
      if (kind === 'string' && typeof v !== 'string') errors[`${index}.${field}`] = `${field} must be a string`;
      else if (kind === 'number' && !Number.isInteger(v)) errors[`${index}.${field}`] = `${field} must be an integer`;
      else if (kind === 'boolean' && typeof v !== 'boolean') errors[`${index}.${field}`] = `${field} must be a boolean`;
      else if (kind === 'numbers' && !(v === null || (Array.isArray(v) && v.every((x) => Number.isInteger(x))))) errors[`${index}.${field}`] = `${field} must be an array of integers`;
      else if (typeof v === 'string' && maxLength[field] !== undefined && v.length > maxLength[field]!) errors[`${index}.${field}`] = `${field} must be at most ${maxLength[field]} characters`;
      else values[field] = v;
    }
    if (creating) {
      for (const field of ['email', 'first_name', 'last_name']) {
        if (!(field in input)) errors[`${index}.${field}`] = 'error.path.missing';
      }
    }
    for (const field of ['email', 'first_name', 'last_name']) {
      if (typeof values[field] === 'string' && (values[field] as string).trim() === '') errors[`${index}.${field}`] = `${field} must not be empty`;
    }
    const email = values.email;
    if (typeof email === 'string' && email !== '' && !emailPattern.test(email)) errors[`${index}.email`] = `${email} is not a valid email address`;
    if (Object.keys(errors).length > 0) throw new Unprocessable(errors);
    if (typeof email === 'string') {
      const other = state.customers.find((c) => c.email.toLowerCase() === email.toLowerCase() && c.id !== selfId);
      if (other) {
        throw new Unprocessable(
          { [`${index}.email`]: `The email address ${email} is already in use by another customer.` },
          `The email address ${email} is already in use by another customer.`,
        );
      }
    }
    return values as Partial<BigCommerceCustomer>;
  };

  const create = (values: Partial<BigCommerceCustomer>, at?: string): BigCommerceCustomer => {
    const now = at ?? stamp();
    const c: BigCommerceCustomer = {
      id: nextId++,
      email: '',
      first_name: '',
      last_name: '',
      company: '',
      phone: '',
      notes: '',
      tax_exempt_category: '',
      customer_group_id: 0,
      date_created: now,
      date_modified: now,
      address_count: 0,
      attribute_count: 0,
      registration_ip_address: '',
      accepts_product_review_abandoned_cart_emails: false,
      origin_channel_id: 1,
      channel_ids: null,
      ...values,
    };
    state.customers.push(c);
    return c;
  };

  const arrayBody = (req: SandboxRequest): Record<string, unknown>[] => {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      throw new Unprocessable({}, 'The request payload is not valid JSON');
    }
    if (!Array.isArray(body)) throw new Unprocessable({}, 'The request payload must be an array of customers');
    if (body.length > maxBatch) throw Object.assign(new Unprocessable({}, `The request payload is too large. The maximum items allowed in the array is ${maxBatch}`), { status: 413 });
    body.forEach((x, i) => {
      if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Unprocessable({ [`${i}`]: 'each customer must be an object' });
    });
    return body as Record<string, unknown>[];
  };

  const customers = (req: SandboxRequest): SandboxResponse => {
    const q = req.query;
    if (req.method === 'GET') {
      const page = q.get('page') === null ? 1 : Number(q.get('page'));
      const limit = q.get('limit') === null ? 50 : Number(q.get('limit'));
      if (!Number.isInteger(page) || page < 1) return bcError(422, 'Invalid page', { page: 'page must be a positive integer' });
      if (!Number.isInteger(limit) || limit < 1 || limit > 250) return bcError(422, 'Invalid limit', { limit: 'limit must be between 1 and 250' });
      let list = state.customers.slice();
      const ids = q.get('id:in');
      if (ids) list = list.filter((c) => ids.split(',').map(Number).includes(c.id));
      const emails = q.get('email:in');
      if (emails) list = list.filter((c) => emails.toLowerCase().split(',').includes(c.email.toLowerCase()));
      const name = q.get('name:like');
      if (name) list = list.filter((c) => `${c.first_name} ${c.last_name}`.toLowerCase().includes(name.toLowerCase()));
      for (const [param, field, min] of [
        ['date_created:min', 'date_created', true],
        ['date_created:max', 'date_created', false],
        ['date_modified:min', 'date_modified', true],
        ['date_modified:max', 'date_modified', false],
      ] as const) {
        const v = q.get(param);
        if (v === null) continue;
        const t = parseTime(v);
        if (Number.isNaN(t)) return bcError(422, `Invalid ${param}`, { [param]: `${v} is not a date` });
        list = list.filter((c) => (min ? Date.parse(c[field]) >= t : Date.parse(c[field]) <= t));
      }
      const sort = q.get('sort');
      if (sort) {
        const [field, dir] = sort.split(':') as [string, string | undefined];
        if (!['date_created', 'last_name', 'date_modified'].includes(field)) return bcError(422, `Invalid sort`, { sort: `cannot sort by ${field}` });
        list.sort((a, b) => {
          const x = String(a[field as keyof BigCommerceCustomer]);
          const y = String(b[field as keyof BigCommerceCustomer]);
          const c = x < y ? -1 : x > y ? 1 : a.id - b.id;
          return dir === 'desc' ? -c : c;
        });
      }
      const total = list.length;
      const totalPages = Math.ceil(total / limit);
      const data = list.slice((page - 1) * limit, page * limit);
      const links: Record<string, string> = { current: `?page=${page}&limit=${limit}` };
      if (page > 1) links.previous = `?page=${page - 1}&limit=${limit}`;
      if (page < totalPages) links.next = `?page=${page + 1}&limit=${limit}`;
      return {
        status: 200,
        json: { data, meta: { pagination: { total, count: data.length, per_page: limit, current_page: page, total_pages: totalPages, links } } },
      };
    }
    if (req.method === 'POST') {
      const inputs = arrayBody(req);
      const values = inputs.map((input, i) => check(input, i, true));
      const emails = values.map((v) => v.email?.toLowerCase());
      const dupe = emails.findIndex((e, i) => emails.indexOf(e) !== i);
      if (dupe >= 0) throw new Unprocessable({ [`${dupe}.email`]: `The email address ${values[dupe]!.email} is used twice in the request.` });
      return { status: 200, json: { data: values.map((v) => create(v)), meta: {} } };
    }
    if (req.method === 'PUT') {
      const inputs = arrayBody(req);
      const targets = inputs.map((input, i) => {
        if (!Number.isInteger(input.id)) throw new Unprocessable({ [`${i}.id`]: 'error.path.missing' });
        const c = state.customers.find((x) => x.id === input.id);
        if (!c) throw new Unprocessable({ [`${i}.id`]: `customer ${String(input.id)} does not exist` }, `Customer ${String(input.id)} not found`);
        return { c, values: check(input, i, false, c.id) };
      });
      const now = stamp();
      for (const t of targets) Object.assign(t.c, t.values, { date_modified: now });
      return { status: 200, json: { data: targets.map((t) => t.c), meta: {} } };
    }
    if (req.method === 'DELETE') {
      const ids = q.get('id:in');
      if (!ids) return bcError(422, 'Missing filter', { 'id:in': 'id:in is required' });
      const drop = new Set(ids.split(',').map(Number));
      state.customers = state.customers.filter((c) => !drop.has(c.id));
      return { status: 204 };
    }
    return bcError(405, `Method ${req.method} not allowed`);
  };

  // v2 serves only the store's information (a connection test); v2 errors are an array of { status, message }.
  const v2 = (req: SandboxRequest, route: string): SandboxResponse => {
    if (route === '/store' && req.method === 'GET') return { status: 200, json: storeInformation(storeHash) };
    return { status: 404, json: [{ status: 404, message: 'The requested resource was not found.' }] };
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    const m = /^\/stores\/([^/]+)\/(v2|v3)(\/.*)$/.exec(req.path);
    if (!m) return bcError(404, 'Not Found');
    const given = req.headers['x-auth-token'];
    if (typeof given !== 'string' || (given !== token && options.validateToken?.(given) !== true)) {
      return { status: 401, json: { status: 401, title: 'No valid credentials were supplied in the request.', type: errorType, errors: {} } };
    }
    if (m[1] !== storeHash) return bcError(404, 'Store not found');
    const b = quota.take();
    const headers = limitHeaders(b);
    if (!b.allowed) return { ...bcError(429, 'Too many requests'), headers: { ...headers, 'X-Retry-After': String(Math.ceil(b.resetInMs / 1000)) } };
    let answer: SandboxResponse;
    try {
      answer = m[2] === 'v2' ? v2(req, m[3]!) : m[3] === '/customers' ? customers(req) : bcError(404, 'Not Found');
    } catch (e) {
      if (!(e instanceof Unprocessable)) throw e;
      answer = bcError((e as Unprocessable & { status?: number }).status ?? 422, e.title, e.errors);
    }
    return { ...answer, headers: { ...answer.headers, ...headers } };
  };

  const limitHeaders = (b: RateBudgetState): Record<string, string> => ({
    'X-Rate-Limit-Time-Window-Ms': String(b.windowMs),
    'X-Rate-Limit-Time-Reset-Ms': String(b.resetInMs),
    'X-Rate-Limit-Requests-Left': String(b.remaining),
    'X-Rate-Limit-Requests-Quota': String(b.limit),
  });

  const seed = (list: unknown[]) => {
    list.forEach((raw, i) => {
      const r = raw as Record<string, unknown>;
      const c = create(check(r, i, true), typeof r.date_created === 'string' ? r.date_created : undefined);
      if (typeof r.date_modified === 'string') c.date_modified = r.date_modified;
    });
  };
  const reset = () => {
    state.customers = [];
    nextId = 1;
    quota.reset();
    seed(options.seed?.customers ?? []);
  };
  reset();

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ customers: state.customers }),
      reset,
      seed(data) {
        const list = (data as { customers?: unknown }).customers;
        if (!Array.isArray(list)) throw new Error('seed expects { "customers": [ ... ] }');
        try {
          seed(list);
        } catch (e) {
          throw new Error(`seed: ${e instanceof Unprocessable ? JSON.stringify(e.errors) : (e as Error).message}`);
        }
      },
      faultResponse: (status) =>
        status === 429
          ? { ...bcError(429, 'Too many requests'), headers: { 'X-Retry-After': '1', 'X-Rate-Limit-Time-Reset-Ms': '1000' } }
          : bcError(status, status >= 500 ? 'Internal Server Error' : 'Bad Request'),
      rateLimit: (setting) => quota.configure(setting),
    },
    options,
  );
  return Object.assign(server, { state });
}
