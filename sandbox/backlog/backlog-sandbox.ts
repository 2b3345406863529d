import { bearerToken } from '../bearer-token.js';
import { createOAuthCodeFlow } from '../oauth-code-flow.js';
import { RateBudget, type RateBudgetState } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';
import { backlogParamsFromForm, backlogParamsFromJson, type BacklogParams } from './backlog-params.js';

/** A project of the simulated space. */
export interface BacklogProject {
  id: number;
  projectKey: string;
  name: string;
  issueTypes: { id: number; name: string }[];
  categories: { id: number; name: string }[];
  versions: { id: number; name: string }[];
}

export interface BacklogSandboxOptions extends SandboxServerOptions {
  /** The space key (`GET /api/v2/space`; default `sandbox`). */
  spaceKey?: string;
  /** The API key accepted as `?apiKey=` (default `sandbox-api-key`). */
  apiKey?: string;
  /** Accepts other bearer tokens (plug a sandbox OAuth provider's tokens here); the space's own OAuth tokens always work. */
  validateToken?: (token: string) => boolean;
  /** OAuth client of the space's own authorization flow (default `sandbox-client` / `sandbox-secret`). */
  clientId?: string;
  clientSecret?: string;
  /** Access-token lifetime of the space's own OAuth flow in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
  /** Accept JSON bodies on writes (default true: the TROCCO reference posts JSON; the documented contract is form encoding). */
  acceptJson?: boolean;
  /** Requests per window per bucket (defaults: read 600, update 600, window 60 s; real plans vary). */
  rateLimit?: { read?: number; update?: number; windowMs?: number };
  projects?: BacklogProject[];
  /** Issues present from the start (and after a reset). */
  seed?: { issues?: Record<string, unknown>[] };
}

export interface BacklogSandboxState {
  issues: Record<string, any>[];
  projects: BacklogProject[];
}

export type BacklogSandbox = SandboxHandle & { state: BacklogSandboxState };

const defaultProjects: BacklogProject[] = [
  {
    id: 1,
    projectKey: 'PROJ',
    name: 'Sandbox project',
    issueTypes: [
      { id: 1, name: 'Bug' },
      { id: 2, name: 'Task' },
      { id: 3, name: 'Request' },
    ],
    categories: [
      { id: 1, name: 'Development' },
      { id: 2, name: 'Design' },
    ],
    versions: [{ id: 1, name: 'v1.0' }],
  },
];

const priorities: Record<number, string> = { 2: 'High', 3: 'Normal', 4: 'Low' };
const statuses: Record<number, string> = { 1: 'Open', 2: 'In Progress', 3: 'Resolved', 4: 'Closed' };
const resolutions: Record<number, string> = { 0: 'Fixed', 1: "Won't Fix", 2: 'Invalid', 3: 'Duplication', 4: 'Cannot Reproduce' };
const user = { id: 1, userId: 'sandbox', name: 'Sandbox User', roleType: 1, lang: 'ja', mailAddress: 'sandbox@example.com' };
const colors = ['#e30000', '#7ea800', '#ff9200', '#934981'];

const addParams = new Set([
  'projectId', 'summary', 'issueTypeId', 'priorityId', 'parentIssueId', 'description', 'startDate', 'dueDate',
  'estimatedHours', 'actualHours', 'categoryId', 'versionId', 'milestoneId', 'assigneeId', 'notifiedUserId', 'attachmentId',
]);
const updateParams = new Set([...addParams, 'statusId', 'resolutionId', 'comment']);
const customField = /^customField_(\d+)(_otherValue)?$/;

/** Backlog's error body: `{"errors":[{"message","code","moreInfo"}]}`. */
const backlogError = (status: number, code: number, message: string, headers: Record<string, string> = {}): SandboxResponse => ({
  status,
  headers,
  json: { errors: [{ message, code, moreInfo: '' }] },
});

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code = 7,
  ) {
    super(message);
  }
}

const stamp = (d: Date = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));

function one(params: BacklogParams, name: string): string | undefined {
  const v = params.get(name);
  return v === undefined ? undefined : v[v.length - 1];
}

function int(params: BacklogParams, name: string): number | undefined {
  const v = one(params, name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new BadRequest(`Invalid ${name}: "${v}" is not a number.`);
  return Number(v);
}

function ints(params: BacklogParams, name: string): number[] | undefined {
  const v = params.get(name);
  if (v === undefined) return undefined;
  return v.map((x) => {
    if (!/^-?\d+$/.test(x)) throw new BadRequest(`Invalid ${name}[]: "${x}" is not a number.`);
    return Number(x);
  });
}

function date(params: BacklogParams, name: string): string | null | undefined {
  const v = one(params, name);
  if (v === undefined) return undefined;
  if (v === '') return null;
  if (!isDate(v)) throw new BadRequest(`Invalid ${name}: "${v}" is not a date in yyyy-MM-dd format.`);
  return `${v}T00:00:00Z`;
}

function hours(params: BacklogParams, name: string): number | null | undefined {
  const v = one(params, name);
  if (v === undefined) return undefined;
  if (v === '') return null;
  if (!/^\d+(\.\d{1,2})?$/.test(v)) throw new BadRequest(`Invalid ${name}: "${v}" is not a number of hours.`);
  return Number(v);
}

/** Starts a Backlog API v2 simulator (issues, space, projects; API key or OAuth; per-minute rate limits). */
export async function startBacklogSandbox(options: BacklogSandboxOptions = {}): Promise<BacklogSandbox> {
  const apiKey = options.apiKey ?? 'sandbox-api-key';
  const spaceKey = options.spaceKey ?? 'sandbox';
  const acceptJson = options.acceptJson ?? true;
  const windowMs = options.rateLimit?.windowMs ?? 60_000;
  const budgets = {
    read: new RateBudget(options.rateLimit?.read ?? 600, windowMs),
    update: new RateBudget(options.rateLimit?.update ?? 600, windowMs),
  };
  const oauth = createOAuthCodeFlow({
    clientId: options.clientId ?? 'sandbox-client',
    clientSecret: options.clientSecret ?? 'sandbox-secret',
    expiresIn: options.tokenLifetimeSeconds ?? 3600,
    tokenPrefix: 'backlog-',
    rotateRefreshToken: false,
    refreshReturnsRefreshToken: true,
  });
  const state: BacklogSandboxState = { issues: [], projects: structuredClone(options.projects ?? defaultProjects) };
  let nextId = 1;
  const keyIds = new Map<number, number>();

  const findProject = (idOrKey: string | number) =>
    state.projects.find((p) => String(p.id) === String(idOrKey) || p.projectKey === String(idOrKey));
  const findIssue = (idOrKey: string) => state.issues.find((i) => String(i.id) === idOrKey || i.issueKey === idOrKey);

  /** Checks and applies params to an issue (all optional here; the add route checks what is required). */
  const apply = (issue: Record<string, any>, params: BacklogParams, allowed: Set<string>, project: BacklogProject): void => {
    for (const name of params.keys()) {
      if (!allowed.has(name) && !customField.test(name)) throw new BadRequest(`Unknown parameter: ${name}.`);
    }
    const summary = one(params, 'summary');
    if (summary !== undefined) {
      if (summary.trim() === '') throw new BadRequest('Please enter the summary.');
      if (summary.length > 255) throw new BadRequest('The summary is too long (255 characters at most).');
      issue.summary = summary;
    }
    const description = one(params, 'description');
    if (description !== undefined) issue.description = description;
    const typeId = int(params, 'issueTypeId');
    if (typeId !== undefined) {
      const type = project.issueTypes.find((t) => t.id === typeId);
      if (!type) throw new BadRequest(`No issue type (issueTypeId: ${typeId}) in project ${project.projectKey}.`);
      const index = project.issueTypes.indexOf(type);
      issue.issueType = { id: type.id, projectId: project.id, name: type.name, color: colors[index % colors.length], displayOrder: index };
    }
    const priorityId = int(params, 'priorityId');
    if (priorityId !== undefined) {
      if (!priorities[priorityId]) throw new BadRequest(`No priority (priorityId: ${priorityId}).`);
      issue.priority = { id: priorityId, name: priorities[priorityId] };
    }
    const statusId = int(params, 'statusId');
    if (statusId !== undefined) {
      if (!statuses[statusId]) throw new BadRequest(`No status (statusId: ${statusId}).`);
      issue.status = { id: statusId, projectId: project.id, name: statuses[statusId], color: '#ed8077', displayOrder: statusId * 1000 };
    }
    const resolutionId = int(params, 'resolutionId');
    if (resolutionId !== undefined) {
      if (!resolutions[resolutionId]) throw new BadRequest(`No resolution (resolutionId: ${resolutionId}).`);
      issue.resolution = { id: resolutionId, name: resolutions[resolutionId] };
    }
    const parent = int(params, 'parentIssueId');
    if (parent !== undefined) {
      if (!state.issues.some((i) => i.id === parent)) throw new BadRequest(`No parent issue (parentIssueId: ${parent}).`);
      issue.parentIssueId = parent;
    }
    const assignee = int(params, 'assigneeId');
    if (assignee !== undefined) {
      if (assignee !== user.id) throw new BadRequest(`No user (assigneeId: ${assignee}).`);
      issue.assignee = user;
    }
    for (const [name, field] of [['startDate', 'startDate'], ['dueDate', 'dueDate']] as const) {
      const v = date(params, name);
      if (v !== undefined) issue[field] = v;
    }
    for (const name of ['estimatedHours', 'actualHours'] as const) {
      const v = hours(params, name);
      if (v !== undefined) issue[name] = v;
    }
    const categories = ints(params, 'categoryId');
    if (categories) {
      issue.category = categories.map((id) => {
        const c = project.categories.find((x) => x.id === id);
        if (!c) throw new BadRequest(`No category (categoryId: ${id}).`);
        return { id: c.id, name: c.name, displayOrder: 0 };
      });
    }
    for (const [param, field] of [['versionId', 'versions'], ['milestoneId', 'milestone']] as const) {
      const ids = ints(params, param);
      if (!ids) continue;
      issue[field] = ids.map((id) => {
        const v = project.versions.find((x) => x.id === id);
        if (!v) throw new BadRequest(`No version (${param}: ${id}).`);
        return { id: v.id, projectId: project.id, name: v.name, description: '', startDate: null, releaseDueDate: null, archived: false, displayOrder: 0 };
      });
    }
    for (const [name, values] of params) {
      const m = customField.exec(name);
      if (!m) continue;
      const id = Number(m[1]);
      const fields = issue.customFields as { id: number; fieldTypeId: number; name: string; value: unknown; otherValue?: string }[];
      let f = fields.find((x) => x.id === id);
      if (!f) {
        f = { id, fieldTypeId: 1, name: `customField_${id}`, value: null };
        fields.push(f);
      }
      if (m[2]) f.otherValue = values[values.length - 1];
      else f.value = values.length > 1 ? values : values[0];
    }
  };

  const createIssue = (params: BacklogParams, at?: { created?: string; updated?: string }): Record<string, any> => {
    for (const name of params.keys()) {
      if (!addParams.has(name) && !customField.test(name)) throw new BadRequest(`Unknown parameter: ${name}.`);
    }
    for (const name of ['projectId', 'summary', 'issueTypeId', 'priorityId']) {
      if (one(params, name) === undefined) throw new BadRequest(`Missing required parameter: ${name}.`);
    }
    const projectId = int(params, 'projectId')!;
    const project = findProject(projectId);
    if (!project) throw new BadRequest('No project.', 404, 6);
    const keyId = (keyIds.get(project.id) ?? 0) + 1;
    const now = stamp();
    const issue: Record<string, any> = {
      id: nextId,
      projectId: project.id,
      issueKey: `${project.projectKey}-${keyId}`,
      keyId,
      issueType: null,
      summary: '',
      description: '',
      resolution: null,
      priority: null,
      status: { id: 1, projectId: project.id, name: 'Open', color: '#ed8077', displayOrder: 1000 },
      assignee: null,
      category: [],
      versions: [],
      milestone: [],
      startDate: null,
      dueDate: null,
      estimatedHours: null,
      actualHours: null,
      parentIssueId: null,
      createdUser: user,
      created: at?.created ?? now,
      updatedUser: user,
      updated: at?.updated ?? at?.created ?? now,
      customFields: [],
      attachments: [],
      sharedFiles: [],
      stars: [],
    };
    apply(issue, params, addParams, project);
    nextId++;
    keyIds.set(project.id, keyId);
    state.issues.push(issue);
    return issue;
  };

  const seedIssues = (issues: Record<string, unknown>[]) => {
    for (const raw of issues) {
      const { created, updated, ...rest } = raw as { created?: string; updated?: string };
      createIssue(backlogParamsFromJson(rest), { created, updated });
    }
  };

  const writeParams = (req: SandboxRequest): BacklogParams => {
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('application/json')) {
      if (!acceptJson) throw new BadRequest('Unsupported Content-Type: send application/x-www-form-urlencoded.');
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.body);
      } catch {
        throw new BadRequest('The request body is not valid JSON.');
      }
      try {
        return backlogParamsFromJson(parsed);
      } catch (e) {
        throw new BadRequest((e as Error).message);
      }
    }
    return backlogParamsFromForm(req.body);
  };

  const listIssues = (q: URLSearchParams): Record<string, any>[] => {
    const multi = (name: string) => q.getAll(`${name}[]`).concat(q.getAll(name)).map(Number);
    let list = state.issues.slice();
    for (const [param, get] of [
      ['projectId', (i: any) => i.projectId],
      ['issueTypeId', (i: any) => i.issueType?.id],
      ['statusId', (i: any) => i.status?.id],
      ['priorityId', (i: any) => i.priority?.id],
      ['assigneeId', (i: any) => i.assignee?.id],
      ['id', (i: any) => i.id],
      ['parentIssueId', (i: any) => i.parentIssueId],
    ] as const) {
      const wanted = multi(param);
      if (wanted.length > 0) list = list.filter((i) => wanted.includes(get(i)));
    }
    const keyword = q.get('keyword');
    if (keyword) list = list.filter((i) => `${i.summary} ${i.description} ${i.issueKey}`.toLowerCase().includes(keyword.toLowerCase()));
    for (const [param, field, since] of [
      ['createdSince', 'created', true],
      ['createdUntil', 'created', false],
      ['updatedSince', 'updated', true],
      ['updatedUntil', 'updated', false],
    ] as const) {
      const v = q.get(param);
      if (v === null) continue;
      if (!isDate(v)) throw new BadRequest(`Invalid ${param}: "${v}" is not a date in yyyy-MM-dd format.`);
      list = list.filter((i) => (since ? i[field].slice(0, 10) >= v : i[field].slice(0, 10) <= v));
    }
    return list;
  };

  const api = async (req: SandboxRequest, route: string): Promise<SandboxResponse> => {
    const q = req.query;
    if (req.method === 'GET' && route === '/space') {
      return {
        status: 200,
        json: { spaceKey, name: 'Sandbox space', ownerId: 1, lang: 'ja', timezone: 'Asia/Tokyo', reportSendTime: '08:00:00', textFormattingRule: 'markdown', created: '2020-01-01T00:00:00Z', updated: '2020-01-01T00:00:00Z' },
      };
    }
    if (req.method === 'GET' && route === '/users/myself') return { status: 200, json: user };
    if (req.method === 'GET' && route === '/rateLimit') {
      const part = (b: RateBudget) => {
        const s = b.peek();
        return { limit: s.limit, remaining: s.remaining, reset: Math.ceil(s.resetAt / 1000) };
      };
      return { status: 200, json: { rateLimit: { read: part(budgets.read), update: part(budgets.update), search: part(budgets.read), icon: part(budgets.read) } } };
    }
    if (req.method === 'GET' && route === '/projects') {
      return { status: 200, json: state.projects.map((p) => ({ id: p.id, projectKey: p.projectKey, name: p.name, archived: false })) };
    }
    let m = /^\/projects\/([^/]+)$/.exec(route);
    if (req.method === 'GET' && m) {
      const p = findProject(decodeURIComponent(m[1]!));
      if (!p) return backlogError(404, 6, 'No project.');
      return { status: 200, json: { id: p.id, projectKey: p.projectKey, name: p.name, archived: false } };
    }
    if (route === '/issues' && req.method === 'GET') {
      const count = q.get('count') === null ? 20 : Number(q.get('count'));
      const offset = q.get('offset') === null ? 0 : Number(q.get('offset'));
      if (!Number.isInteger(count) || count < 1 || count > 100) throw new BadRequest('Invalid count: it must be from 1 to 100.');
      if (!Number.isInteger(offset) || offset < 0) throw new BadRequest('Invalid offset.');
      const sort = q.get('sort') ?? 'updated';
      const fields: Record<string, (i: any) => string | number> = {
        created: (i) => i.created, updated: (i) => i.updated, issueType: (i) => i.issueType?.id ?? 0, priority: (i) => i.priority?.id ?? 0,
        status: (i) => i.status?.id ?? 0, summary: (i) => i.summary, dueDate: (i) => i.dueDate ?? '', startDate: (i) => i.startDate ?? '',
      };
      const get = fields[sort];
      if (!get) throw new BadRequest(`Invalid sort: ${sort}.`);
      const order = q.get('order') ?? 'desc';
      if (order !== 'asc' && order !== 'desc') throw new BadRequest(`Invalid order: ${order}.`);
      const list = listIssues(q).sort((a, b) => {
        const x = get(a);
        const y = get(b);
        const c = x < y ? -1 : x > y ? 1 : a.id - b.id;
        return order === 'asc' ? c : -c;
      });
      return { status: 200, json: list.slice(offset, offset + count) };
    }
    if (route === '/issues/count' && req.method === 'GET') return { status: 200, json: { count: listIssues(q).length } };
    if (route === '/issues' && req.method === 'POST') {
      const issue = createIssue(writeParams(req));
      return { status: 201, headers: { Location: `${req.origin}/view/${issue.issueKey}` }, json: issue };
    }
    m = /^\/issues\/([^/]+)$/.exec(route);
    if (m) {
      const issue = findIssue(decodeURIComponent(m[1]!));
      if (!issue) return backlogError(404, 6, 'No issue.');
      if (req.method === 'GET') return { status: 200, json: issue };
      if (req.method === 'PATCH') {
        const params = writeParams(req);
        const draft = structuredClone(issue);
        apply(draft, params, updateParams, findProject(issue.projectId)!);
        draft.updated = stamp();
        Object.assign(issue, draft);
        return { status: 200, json: issue };
      }
      if (req.method === 'DELETE') {
        state.issues.splice(state.issues.indexOf(issue), 1);
        return { status: 200, json: issue };
      }
    }
    return backlogError(404, 6, 'No such API.');
  };

  const handle = async (req: SandboxRequest): Promise<SandboxResponse> => {
    if (req.path === '/OAuth2AccessRequest.action' && req.method === 'GET') return oauth.authorize(req);
    if (req.path === '/api/v2/oauth2/token' && req.method === 'POST') return oauth.token(req);
    if (!req.path.startsWith('/api/v2/')) return backlogError(404, 6, 'No such API.');
    const bucket = req.method === 'GET' ? budgets.read : budgets.update;
    const headersOf = (s: RateBudgetState) => ({
      'X-RateLimit-Limit': String(s.limit),
      'X-RateLimit-Remaining': String(s.remaining),
      'X-RateLimit-Reset': String(Math.ceil(s.resetAt / 1000)),
    });
    const key = req.query.get('apiKey');
    const token = bearerToken(req.headers);
    let authError: SandboxResponse | undefined;
    if (key !== null) {
      if (key !== apiKey) authError = backlogError(401, 11, 'Authentication failure.');
    } else if (token !== undefined) {
      const check = options.validateToken?.(token) ? 'valid' : oauth.check(token);
      if (check !== 'valid') {
        authError = backlogError(401, 11, check === 'expired' ? 'The access token expired.' : 'Authentication failure.', {
          'WWW-Authenticate': `Bearer error="invalid_token", error_description="${check === 'expired' ? 'The access token expired' : 'The access token is invalid'}"`,
        });
      }
    } else {
      authError = backlogError(401, 11, 'Authentication failure.');
    }
    if (authError) return { ...authError, headers: { ...authError.headers, ...headersOf(bucket.peek()) } };
    const budget = bucket.take();
    if (!budget.allowed) return backlogError(429, 13, 'Too many requests.', headersOf(budget));
    try {
      const answer = await api(req, req.path.slice('/api/v2'.length));
      return { ...answer, headers: { ...answer.headers, ...headersOf(budget) } };
    } catch (e) {
      if (e instanceof BadRequest) return backlogError(e.status, e.code, e.message, headersOf(budget));
      throw e;
    }
  };

  const reset = () => {
    state.issues = [];
    nextId = 1;
    keyIds.clear();
    budgets.read.reset();
    budgets.update.reset();
    oauth.reset();
    seedIssues(options.seed?.issues ?? []);
  };
  reset();

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ issues: state.issues }),
      reset,
      seed(data) {
        const issues = (data as { issues?: unknown }).issues;
        if (!Array.isArray(issues)) throw new Error('seed expects { "issues": [ ... ] }');
        try {
          seedIssues(issues as Record<string, unknown>[]);
        } catch (e) {
          throw new Error(`seed: ${(e as Error).message}`);
        }
      },
      faultResponse: (status) =>
        status === 429 ? backlogError(429, 13, 'Too many requests.') : backlogError(status, status >= 500 ? 1 : 7, status >= 500 ? 'Internal error.' : 'Bad request.'),
      rateLimit(setting) {
        budgets.read.configure(setting);
        budgets.update.configure(setting);
      },
      expireTokens: () => oauth.expireAll(),
    },
    options,
  );
  return Object.assign(server, { state });
}
