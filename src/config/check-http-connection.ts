import type { ConfigIssue } from './config-error.js';
import type { ConnectorSpec } from './connector-schema.js';
import type { YamlFile } from './load-yaml.js';
import { resolveHttpConnection, type HttpConnectionConfig, type ResolvedHttpConnection } from './resolve-http-connection.js';

/**
 * Checks an http connection against its connector (resolveHttpConnection) and places each problem in sluice.yaml:
 * a missing key at the mapping that lacks it. Returns the resolved connection (config with defaults filled in,
 * secrets) and the issues.
 */
export function checkHttpConnection(
  name: string,
  connection: HttpConnectionConfig,
  spec: ConnectorSpec,
  yaml: YamlFile,
  env: Record<string, string | undefined> = process.env,
): { resolved: ResolvedHttpConnection; issues: ConfigIssue[] } {
  const resolved = resolveHttpConnection(name, connection, spec, { env });
  const base = ['connections', name];
  const raw = (yaml.data as { connections?: Record<string, { config?: unknown; auth?: unknown }> } | undefined)?.connections?.[name];
  const issues: ConfigIssue[] = [];
  for (const problem of resolved.problems) {
    const path = [...base, ...problem.path];
    switch (problem.kind) {
      case 'unknown_config':
        issues.push(yaml.issue(path, problem.message, 'key'));
        break;
      case 'missing_config': {
        const at = raw?.config !== undefined ? [...base, 'config'] : base;
        issues.push({ ...yaml.issue(at, problem.message, 'key'), path: path.join('.') });
        break;
      }
      case 'auth_type': {
        if (raw?.auth !== undefined) {
          issues.push(yaml.issue(path, problem.message));
          break;
        }
        const accepted = spec.auth.map((a) => a.type).join(', ');
        const message = `connector ${spec.name} needs auth (give auth: { type: ... } with one of: ${accepted})`;
        issues.push({ ...yaml.issue(base, '', 'key'), path: [...base, 'auth'].join('.'), message });
        break;
      }
      default:
        issues.push(yaml.issue(path, problem.message));
    }
  }
  return { resolved, issues };
}
