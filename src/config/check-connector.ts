import type { ResponseRule } from '../http/request-policy.js';
import { JWT_CLAIM_VARIABLES, type ConnectorSpec, type Endpoint, type JobPoll } from './connector-schema.js';
import type { ConfigIssue } from './config-error.js';
import { checkJsonPath } from './check-json-path.js';
import { credentialTemplateProblem } from './credential-url.js';
import { checkCondition, checkTemplate, templateUses, type TemplateProblem } from './check-template.js';
import { didYouMean } from './closest-match.js';
import type { KeyPath, YamlFile } from './load-yaml.js';
import { templatePosition } from './template-position.js';
import { bodyCursorPathProblem } from './body-cursor-path.js';

/** Checks what the schema cannot: every Liquid template, condition and stream JSONPath parses, batch endpoints say how to batch. */
export function checkConnector(spec: ConnectorSpec, yaml: YamlFile, env: Record<string, string | undefined> = process.env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const template = (path: KeyPath, text: unknown) => {
    if (typeof text !== 'string') return;
    const problem = checkTemplate(text);
    if (problem) issues.push(templateIssue(yaml, path, `invalid liquid template: ${problem.message}`, problem));
  };
  const condition = (path: KeyPath, text: unknown) => {
    if (typeof text !== 'string') return;
    const problem = checkCondition(text);
    if (problem) issues.push(templateIssue(yaml, path, `invalid condition ${JSON.stringify(text)}: ${problem.message}`, problem));
  };
  // A JSONPath that cannot be read selects nothing, or something else, only when the stream runs.
  const jsonPath = (path: KeyPath, text: string | undefined) => {
    const problem = text === undefined ? null : checkJsonPath(text);
    if (problem) issues.push(yaml.issue(path, `invalid JSONPath ${JSON.stringify(text)}: ${problem}`));
  };
  const map = (path: KeyPath, values: Record<string, unknown> | undefined) => {
    for (const [k, v] of Object.entries(values ?? {})) template([...path, k], v);
  };
  const rules = (path: KeyPath, list: ResponseRule[]) =>
    list.forEach((rule, i) => {
      condition([...path, i, 'when'], rule.when);
      template([...path, i, 'message'], rule.message);
    });
  const nested = (path: KeyPath, value: unknown): void => {
    if (typeof value === 'string') template(path, value);
    else if (Array.isArray(value)) value.forEach((v, i) => nested([...path, i], v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) nested([...path, k], v);
  };
  // Endpoints, streams and the connection test each send one request built from these templates.
  const request = (base: KeyPath, parts: RequestTemplates) => {
    template([...base, 'path'], parts.path);
    map([...base, 'query'], parts.query);
    map([...base, 'headers'], parts.headers);
    nested([...base, 'body'], parts.body);
  };

  // URLs that credentials travel to: https, or plain http to loopback and operator-listed hosts only.
  const credentialUrl = (path: KeyPath, text: string | null | undefined) => {
    const problem = typeof text === 'string' ? credentialTemplateProblem(text, env) : null;
    if (problem) issues.push(yaml.issue(path, problem));
  };
  template(['base_url'], spec.base_url);
  credentialUrl(['base_url'], spec.base_url);
  template(['error_message'], spec.error_message);
  map(['headers'], spec.headers);
  rules(['responses'], spec.responses);

  // The file may give one auth kind or a list; the schema turns both into a list.
  const rawAuth = (yaml.data as { auth?: unknown } | undefined)?.auth;
  spec.auth.forEach((auth, i) => {
    const base: KeyPath = Array.isArray(rawAuth) ? ['auth', i] : ['auth'];
    if (auth.type === 'oauth2') {
      template([...base, 'authorization_url'], auth.authorization_url);
      template([...base, 'token_url'], auth.token_url);
      template([...base, 'refresh_url'], auth.refresh_url);
      credentialUrl([...base, 'authorization_url'], auth.authorization_url);
      credentialUrl([...base, 'token_url'], auth.token_url);
      credentialUrl([...base, 'refresh_url'], auth.refresh_url);
    } else if (auth.type === 'oauth2_client_credentials') {
      template([...base, 'token_url'], auth.token_url);
      credentialUrl([...base, 'token_url'], auth.token_url);
    } else if (auth.type === 'session') {
      const login: KeyPath = [...base, 'login'];
      request(login, auth.login);
      jsonPath([...login, 'token_path'], auth.login.token_path);
      jsonPath([...login, 'expires_in_path'], auth.login.expires_in_path);
      // The username and password go to the login: only ever a path on the connection's own base URL.
      if (/^\s*(?:[a-z][a-z0-9+.-]*:|\/\/|\\)/i.test(auth.login.path)) {
        issues.push(yaml.issue([...login, 'path'], `the login path ${JSON.stringify(auth.login.path)} is a URL: a login is sent only to the connection's base URL, so give a path (e.g. /api/login)`));
      }
    } else if (auth.type === 'jwt') {
      for (const [claim, value] of Object.entries(auth.claims)) {
        if (typeof value !== 'string') continue;
        template([...base, 'claims', claim], value);
        // A token is signed once for many requests: what varies per row or response cannot be in it.
        const other = requestVariables.find((name) => templateUses(value, name));
        if (other) {
          issues.push(yaml.issue([...base, 'claims', claim], `claims see only ${JWT_CLAIM_VARIABLES.join(', ')}: ${other} is not available (a token is signed once for many requests)`));
        }
      }
      template([...base, 'private_key'], auth.private_key);
      template([...base, 'key_id'], auth.key_id);
      template([...base, 'token_url'], auth.token_url);
      credentialUrl([...base, 'token_url'], auth.token_url);
    }
  });

  for (const [name, endpoint] of Object.entries(spec.endpoints)) {
    const base: KeyPath = ['endpoints', name];
    request(base, endpoint);
    if (endpoint.batch) {
      template([...base, 'batch', 'item'], endpoint.batch.item);
      template([...base, 'batch', 'body'], endpoint.batch.body);
      if (endpoint.batch.item === undefined && endpoint.batch.body !== undefined && templateUses(endpoint.batch.body, 'items')) {
        issues.push(yaml.issue([...base, 'batch', 'body'], "batch.body uses items, so batch.item must say how one row renders (item: '{{ row | json }}' sends the row as it is)"));
      }
    } else if (endpoint.request === 'batch') {
      issues.push(yaml.issue([...base, 'request'], 'a batch endpoint needs a batch block (batch: { size, item, body }; without item and body, no body is sent)'));
    }
    if (endpoint.job) checkEndpointJob(base, endpoint);
    if (endpoint.default !== undefined && endpoint.operation !== 'lookup') {
      issues.push(yaml.issue([...base, 'default'], `default applies to lookup endpoints only; "${name}" is ${endpoint.operation === 'update' || endpoint.operation === 'upsert' ? 'an' : 'a'} ${endpoint.operation} endpoint`));
    }
    template([...base, 'response', 'record_id'], endpoint.response.record_id);
    template([...base, 'response', 'match'], endpoint.response.match);
    template([...base, 'response', 'error'], endpoint.response.error);
    condition([...base, 'response', 'success'], endpoint.response.success);
    rules([...base, 'responses'], endpoint.responses);
  }

  // A sync naming no lookup uses the default one: two defaults would make that choice arbitrary.
  const defaults = Object.entries(spec.endpoints).filter(([, e]) => e.operation === 'lookup' && e.default === true).map(([n]) => n);
  for (const extra of defaults.slice(1)) {
    issues.push(yaml.issue(['endpoints', extra, 'default'], `only one lookup endpoint can be the default; "${defaults[0]}" already is`));
  }

  for (const [name, stream] of Object.entries(spec.streams)) {
    const base: KeyPath = ['streams', name];
    request(base, stream);
    rules([...base, 'responses'], stream.responses);
    condition([...base, 'stop_when'], stream.stop_when);
    jsonPath([...base, 'records'], stream.records);
    const paginate = stream.paginate;
    if (stream.job) {
      const job: KeyPath = [...base, 'job'];
      request([...job, 'create'], stream.job.create);
      request([...job, 'download'], stream.job.download);
      if (stream.job.abort) request([...job, 'abort'], stream.job.abort);
      poll([...job, 'poll'], stream.job.poll);
      if (stream.path !== undefined) issues.push(yaml.issue([...base, 'path'], `stream ${name}: a stream reading a job reads its records at job.download; remove path`));
    } else if (stream.path === undefined) {
      issues.push(yaml.issue(base, `stream ${name}: give path, the request its records are read from (or job, for an asynchronous read)`));
    }
    if (paginate?.type === 'cursor' && paginate.in === 'body') {
      const problem = bodyCursorPathProblem(paginate.cursor_param);
      if (problem) issues.push(yaml.issue([...base, 'paginate', 'cursor_param'], `stream ${name}: paginate in: body sets the token at cursor_param in the body, and ${problem}`));
      if (stream.body === undefined) {
        issues.push(yaml.issue([...base, 'paginate', 'in'], `stream ${name}: paginate in: body sets the token in the JSON body the stream sends; give the stream a body (e.g. a GraphQL query and its variables)`));
      }
    }
    if (paginate?.type === 'cursor' && (paginate.cursor === undefined) === (paginate.header === undefined)) {
      issues.push(yaml.issue([...base, 'paginate'], `stream ${name}: a cursor paginate reads the next page's token from the body (cursor: a JSONPath) or from a header (header: a name); give one of them`));
    }
    if (stream.incremental && stream.incremental.param === undefined && !streamTemplatesUse(stream, 'cursor')) {
      issues.push(yaml.issue([...base, 'incremental'], `stream ${name}: incremental needs param, the query parameter the kept cursor is sent in (or templates placing {{ cursor }} themselves)`));
    }
    if ((paginate?.type === 'offset' || paginate?.type === 'page') && paginate.restart_after !== undefined) {
      const restart: KeyPath = [...base, 'paginate', 'restart_after'];
      if (!stream.incremental) {
        issues.push(yaml.issue(restart, `stream ${name}: restart_after asks again from the last record's incremental.cursor_field value, sent in incremental.param (or placed by query templates as {{ cursor }}); add incremental`));
      } else if (!stream.incremental.inclusive) {
        issues.push(yaml.issue(restart, `stream ${name}: restart_after asks again from the last record's cursor value, so the API must return records at that value (>=): set incremental.inclusive: true (records already read are left out by primary_key)`));
      }
      if (stream.primary_key === undefined) issues.push(yaml.issue(restart, `stream ${name}: restart_after leaves out the records read again at the restart's cursor value by their primary_key; add primary_key`));
    }
    // Paging values placed by templates: without a template reading them every page would be the first.
    const queryUses = (variable: string) => Object.values(stream.query).some((t) => typeof t === 'string' && templateUses(t, variable));
    if (paginate?.type === 'offset' && paginate.in === 'template' && !queryUses('page')) {
      issues.push(yaml.issue([...base, 'paginate', 'in'], `stream ${name}: paginate.in template sends no offset, so a query template must place it ({{ page.offset }}, {{ page.limit }}); every page would be the first`));
    }
    if (paginate?.type !== 'offset' && queryUses('page')) {
      issues.push(yaml.issue([...base, 'query'], `stream ${name}: the query reads page, which only an offset paginate gives (page.offset, page.limit)`));
    }
    if (paginate?.type === 'cursor') jsonPath([...base, 'paginate', 'cursor'], paginate.cursor);
    if (paginate?.type === 'next_url') jsonPath([...base, 'paginate', 'next_url'], paginate.next_url);
    if (paginate?.type === 'offset') jsonPath([...base, 'paginate', 'total'], paginate.total);
    if (paginate?.type === 'page') jsonPath([...base, 'paginate', 'total_pages'], paginate.total_pages);
    if (stream.partition) {
      const chain = [name];
      for (let parent: string | undefined = stream.partition.stream; parent !== undefined; parent = spec.streams[parent]?.partition?.stream) {
        if (!spec.streams[parent]) {
          issues.push(yaml.issue([...base, 'partition', 'stream'], `stream ${name}: partition.stream "${parent}" is not a stream of this connector${didYouMean(parent, Object.keys(spec.streams))}`));
          break;
        }
        if (chain.includes(parent)) {
          issues.push(yaml.issue([...base, 'partition', 'stream'], `stream ${name}: partitions loop (${[...chain, parent].join(' -> ')})`));
          break;
        }
        chain.push(parent);
      }
    }
    if (stream.incremental?.inclusive && stream.primary_key === undefined) {
      issues.push(yaml.issue([...base, 'incremental', 'inclusive'],
        `stream ${name}: inclusive tells apart the records read again at the kept cursor by their primary_key; add primary_key to the stream`));
    }
    const chunks = stream.chunk_fields;
    if (chunks) {
      const key = stream.primary_key === undefined ? [] : [stream.primary_key].flat();
      if (!key.length) {
        issues.push(yaml.issue([...base, 'chunk_fields'], `stream ${name}: chunk_fields merges the records of each chunk by their primary_key; add primary_key to the stream`));
      }
      // The chunk replaces the parameter's value: one the stream already sends would be lost.
      if (chunks.param === stream.incremental?.param || Object.hasOwn(stream.query, chunks.param)) {
        issues.push(yaml.issue([...base, 'chunk_fields', 'param'], `stream ${name}: chunk_fields.param ${JSON.stringify(chunks.param)} is already sent by the stream (${chunks.param === stream.incremental?.param ? 'incremental.param' : 'query'}); the chunk would replace it`));
      }
      const repeated = chunks.fields.find((f, i) => chunks.fields.indexOf(f) !== i);
      if (repeated !== undefined) issues.push(yaml.issue([...base, 'chunk_fields', 'fields'], `stream ${name}: chunk_fields.fields lists ${JSON.stringify(repeated)} twice`));
      // Listed key fields go with every chunk: the chunk must have room for at least one other field.
      const sentAlways = chunks.fields.filter((f) => key.includes(f)).length;
      if (sentAlways > 0 && chunks.size <= sentAlways) {
        issues.push(yaml.issue([...base, 'chunk_fields', 'size'],
          `stream ${name}: chunk_fields.size ${chunks.size} leaves no room beside the ${sentAlways} primary_key field(s) sent with every chunk; raise size or leave the key out of fields if the API always returns it`));
      }
    }
  }
  function poll(path: KeyPath, p: JobPoll): void {
    if (p.request) request([...path, 'request'], p.request);
    condition([...path, 'until'], p.until);
    condition([...path, 'failed'], p.failed);
    template([...path, 'error'], p.error);
    if (p.interval_ms > p.timeout_ms) issues.push(yaml.issue([...path, 'interval_ms'], `job.poll.interval_ms ${p.interval_ms} is longer than timeout_ms ${p.timeout_ms}: the job would be asked once`));
  }
  function checkEndpointJob(base: KeyPath, endpoint: Endpoint): void {
    const job = endpoint.job!;
    const path: KeyPath = [...base, 'job'];
    if (job.create) request([...path, 'create'], job.create);
    if (job.close) request([...path, 'close'], job.close);
    if (job.abort) request([...path, 'abort'], job.abort);
    poll([...path, 'poll'], job.poll);
    job.results?.forEach((r, i) => {
      request([...path, 'results', i], r);
      jsonPath([...path, 'results', i, 'records'], r.records);
      template([...path, 'results', i, 'url'], r.url);
      const at: KeyPath = [...path, 'results', i];
      if ((r.path === undefined) === (r.url === undefined)) issues.push(yaml.issue(at, 'job.results: give path (on the connection\'s origin) or url (a whole URL, e.g. "{{ job.response_body_url }}"), one of them'));
      if (r.external && r.url === undefined) issues.push(yaml.issue([...at, 'external'], 'job.results: external fetches a url the API gives (url: "{{ job.result_url }}"); add url'));
      if (r.archive !== undefined && !r.external) issues.push(yaml.issue([...at, 'archive'], 'job.results: an archive is fetched as bytes without credentials: set external: true (and url)'));
    });
    if (!job.poll.request) issues.push(yaml.issue([...path, 'poll'], 'a job endpoint asks for the job\'s state with poll.request (e.g. { path: "/jobs/{{ job.id }}" })'));
    if (endpoint.request !== 'batch') issues.push(yaml.issue([...base, 'request'], 'a job endpoint sends its records as one batch a job: set request: batch (and batch.size, the records a job takes)'));
    if (endpoint.operation === 'lookup') issues.push(yaml.issue(path, 'a lookup endpoint cannot be a job: a lookup reads one record\'s id at once'));
  }
  if (spec.test) {
    request(['test'], spec.test);
    condition(['test', 'success'], spec.test.success);
  }
  return issues;
}

/** Whether any request template of a stream (its own, or its job's) reads the variable. */
function streamTemplatesUse(stream: ConnectorSpec['streams'][string], name: string): boolean {
  const texts: unknown[] = [stream.path, stream.body, ...Object.values(stream.query), ...Object.values(stream.headers)];
  if (stream.job) {
    for (const r of [stream.job.create, stream.job.download, stream.job.poll.request]) {
      if (r) texts.push(r.path, typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? ''), ...Object.values(r.query), ...Object.values(r.headers));
    }
  }
  return texts.some((t) => typeof t === 'string' && templateUses(t, name));
}

/** What request and response templates see, and an auth's templates do not. */
const requestVariables = ['row', 'rows', 'record', 'records', 'items', 'item', 'response', 'result', 'partition', 'job', 'vars', 'run'];

/** The templates of one request: a path, query and header values, and a body (a template, or JSON holding templates). */
interface RequestTemplates {
  path?: string;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  body?: unknown;
}

/** An issue placed at the template's own line and column inside the file. */
function templateIssue(yaml: YamlFile, path: KeyPath, message: string, problem: TemplateProblem): ConfigIssue {
  return { ...yaml.issue(path, message), ...templatePosition(yaml, path, problem) };
}
