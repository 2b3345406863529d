import { checkTemplate } from './check-template.js';
import { didYouMean } from './closest-match.js';
import type { ConfigIssue } from './config-error.js';
import type { ConnectorSpec } from './connector-schema.js';
import { credentialUrlProblem } from './credential-url.js';
import type { KeyPath, YamlFile } from './load-yaml.js';
import type { NotifyTarget, Project } from './project-schema.js';

/** What checkNotify reads besides the targets: the project's connections and the specs of the http ones that loaded. */
export interface NotifyFacts {
  project: Project;
  connectors: Record<string, ConnectorSpec>;
  brokenConnections: Set<string>;
  /** Where `SLUICE_ALLOWED_HOSTS` is read; default process.env. */
  env?: Record<string, string | undefined>;
}

/** Operations an endpoint may have to be sent a run: a notification is a new record (no remote id to update or delete). */
const SENDABLE = new Set(['create', 'upsert']);

/**
 * What `notify:` of a sync or pipeline (at `base`, e.g. ['syncs', 'orders']) needs that its schema cannot say: a
 * webhook URL that is https (http only for loopback and SLUICE_ALLOWED_HOSTS), without user info; a signing secret
 * written as a reference, so sluice.yaml never holds it; a connection that is http, with an endpoint its connector has;
 * row templates that parse.
 */
export function checkNotify(base: KeyPath, targets: readonly NotifyTarget[] | undefined, yaml: YamlFile, facts: NotifyFacts): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  (targets ?? []).forEach((target, i) => {
    const at: KeyPath = [...base, 'notify', i];
    if (target.webhook) issues.push(...webhookIssues([...at, 'webhook'], target.webhook.url, yaml, facts.env));
    if (target.connection !== undefined && target.endpoint !== undefined) {
      issues.push(...endpointIssues(at, target.connection, target.endpoint, yaml, facts));
    }
    for (const [field, template] of Object.entries(target.row ?? {})) {
      const problem = checkTemplate(template);
      if (problem) issues.push(yaml.issue([...at, 'row', field], `row.${field}: ${problem.message}`));
    }
  });
  return issues;
}

function webhookIssues(at: KeyPath, url: string, yaml: YamlFile, env?: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const problem = credentialUrlProblem(url, env);
  if (problem) issues.push(yaml.issue([...at, 'url'], `webhook url: ${problem}`));
  else if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) {
    issues.push(yaml.issue([...at, 'url'], 'webhook url: put no user or password in the URL (the signature tells the receiver the request is from Sluice)'));
  }
  // Read as written, before ${...} were replaced: the value itself must not be in the file.
  const written = valueAt(yaml.data, [...at, 'secret']);
  if (typeof written === 'string' && !/\$\{(secret|env):[^}]+\}/.test(written)) {
    issues.push(yaml.issue([...at, 'secret'], 'webhook secret: write it as "${secret:NAME}" (sluice secrets set NAME) or "${env:NAME}", not in sluice.yaml'));
  }
  return issues;
}

function endpointIssues(at: KeyPath, connectionName: string, endpointName: string, yaml: YamlFile, facts: NotifyFacts): ConfigIssue[] {
  const connection = facts.project.connections[connectionName];
  if (!connection) {
    const known = Object.keys(facts.project.connections);
    return [yaml.issue([...at, 'connection'], `unknown connection "${connectionName}"${didYouMean(connectionName, known) || (known.length ? ` (defined: ${known.join(', ')})` : ' (no connections are defined)')}`)];
  }
  if (connection.type !== 'http') {
    return [yaml.issue([...at, 'connection'], `a notification is sent to an http connection's endpoint; "${connectionName}" is ${connection.type}`)];
  }
  const spec = facts.connectors[connectionName];
  if (!spec || facts.brokenConnections.has(connectionName)) return [];
  const endpoint = spec.endpoints[endpointName];
  if (!endpoint) {
    const known = Object.keys(spec.endpoints);
    const hint = didYouMean(endpointName, known) || (known.length ? ` (defined: ${known.join(', ')})` : ' (no endpoints are defined)');
    return [yaml.issue([...at, 'endpoint'], `unknown endpoint "${endpointName}" in connector ${spec.name}${hint}`)];
  }
  if (!SENDABLE.has(endpoint.operation)) {
    return [yaml.issue([...at, 'endpoint'], `endpoint "${endpointName}" of connector ${spec.name} is ${/^[aeiou]/.test(endpoint.operation) ? 'an' : 'a'} ${endpoint.operation} endpoint: a notification is sent as a new record (use a create or upsert endpoint)`)];
  }
  return [];
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let v = data;
  for (const segment of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[segment] : undefined;
  return v;
}
