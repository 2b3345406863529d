import { endpointTemplates } from '../config/endpoint-templates.js';
import type { LoadedConnector } from '../config/load-connector-spec.js';
import { formatKeyPath } from '../config/load-yaml.js';
import { templatePosition } from '../config/template-position.js';
import type { TemplatePlacer } from '../connectors/template-engine.js';

/**
 * Places the failing templates of a sync's endpoints in the connector file: `sync s: connectors/x.yaml:14:23:
 * endpoints.add_issue.body`. A template is found by its role and text (identical templates of two endpoints are
 * equally the place to fix); a map body's lone `{{ value }}` is found by its role alone, at its start.
 */
export function syncTemplatePlacer(connector: LoadedConnector, options: { sync: string; endpoints: string[] }): TemplatePlacer | undefined {
  const { yaml } = connector;
  if (!yaml) return undefined;
  const sites = options.endpoints.flatMap((name) => endpointTemplates(connector.spec, name));
  return (template, role, at) => {
    const exact = sites.find((s) => s.role === role && s.template === template);
    const site = exact ?? sites.find((s) => s.role === role && s.template.includes(template));
    if (!site) return undefined;
    const { line, column } = templatePosition(yaml, site.path, exact && !exact.condition ? at : undefined);
    return `sync ${options.sync}: ${yaml.file}:${line}:${column}: ${formatKeyPath(site.path)}`;
  };
}
