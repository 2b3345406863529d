import { readFile } from 'node:fs/promises';
import type { ConnectorSpec } from '../../config/connector-schema.js';
import { didYouMean } from '../../config/closest-match.js';
import { ConfigError, type ConfigIssue } from '../../config/config-error.js';
import { displayPath } from '../../config/display-path.js';
import { parseYaml, type YamlFile } from '../../config/load-yaml.js';
import { validateSchema } from '../../config/validate-schema.js';
import { connectorTestsSchema, type ConnectorTests } from './test-cases-schema.js';

/** The cases file of a connector spec: `connectors/hubspot.yaml` -> `connectors/hubspot.test.yaml`. */
export function testCasesFile(specFile: string): string {
  return specFile.replace(/\.ya?ml$/i, '') + '.test.yaml';
}

/** A cases file read and checked against its connector spec. */
export interface LoadedTestCases {
  file: string;
  tests: ConnectorTests;
  yaml: YamlFile;
}

/** Reads a cases file; every problem (YAML, schema, a case naming what the spec lacks) is a ConfigError with its line. */
export async function loadTestCases(file: string, spec: ConnectorSpec): Promise<LoadedTestCases> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (write the cases beside the connector spec)' : (e as Error).message;
    throw new ConfigError([{ file: displayPath(file), path: '', message: `cannot read the test cases: ${why}` }]);
  }
  const yaml = parseYaml(text, displayPath(file));
  if (yaml.broken) throw new ConfigError(yaml.issues);
  const { value, issues } = validateSchema(connectorTestsSchema, yaml);
  if (!value) throw new ConfigError([...yaml.issues, ...issues]);
  const all = [...yaml.issues, ...checkCases(value, spec, yaml)];
  if (all.length) throw new ConfigError(all);
  return { file, tests: value, yaml };
}

/** What the schema cannot say: names unique, endpoints and streams that exist, a case that checks something. */
function checkCases(tests: ConnectorTests, spec: ConnectorSpec, yaml: YamlFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  tests.cases.forEach((c, i) => {
    const at = (key: string | undefined, message: string): void => {
      issues.push(yaml.issue(key === undefined ? ['cases', i] : ['cases', i, key], message, key === undefined ? 'value' : 'key'));
    };
    const first = names.get(c.name);
    if (first !== undefined) at('name', `case name "${c.name}" is used by case ${first + 1} too (names must be unique)`);
    else names.set(c.name, i);
    if ('stream' in c) {
      if (!spec.streams[c.stream]) {
        const known = Object.keys(spec.streams);
        at('stream', `no stream "${c.stream}" in connector ${spec.name}${didYouMean(c.stream, known) || (known.length ? ` (streams: ${known.join(', ')})` : ' (it has no streams)')}`);
      }
      if (c.records === undefined && c.requests === undefined && c.error === undefined) at(undefined, 'a stream case needs records, requests or error to compare');
      if (c.records !== undefined && c.error !== undefined) at('error', 'give records or error, not both (a read that fails yields no records)');
      return;
    }
    if (!spec.endpoints[c.endpoint]) {
      const known = Object.keys(spec.endpoints);
      at('endpoint', `no endpoint "${c.endpoint}" in connector ${spec.name}${didYouMean(c.endpoint, known) || (known.length ? ` (endpoints: ${known.join(', ')})` : ' (it has no endpoints)')}`);
    }
    if ((c.row === undefined) === (c.rows === undefined)) at(c.rows !== undefined ? 'rows' : undefined, 'give row (one sample row) or rows (a list), exactly one of them');
    const job = spec.endpoints[c.endpoint]?.job !== undefined;
    const answers = job ? 'responses' : 'response';
    if (c.request === undefined && c.response === undefined && c.responses === undefined) at(undefined, `an endpoint case needs request (the request expected) or ${answers} and results`);
    if (c.response !== undefined && job) at('response', `endpoint ${c.endpoint} writes through a job: give responses, the answer to each of its requests in order`);
    if (c.responses !== undefined && !job) at('responses', `endpoint ${c.endpoint} sends one request: give response`);
    if ((c.response ?? c.responses) !== undefined && c.results === undefined) at(answers, `${answers === 'response' ? 'a response needs' : 'responses need'} results: what a run reads for each row`);
    if (c.results !== undefined && c.response === undefined && c.responses === undefined) at('results', `results are read from ${job ? 'the job\'s answers: give responses' : 'a response: give response'} too`);
    const rows = c.rows?.length ?? 1;
    if (c.results !== undefined && c.results.length !== rows) at('results', `expected one result per row: ${rows} row${rows === 1 ? '' : 's'}, ${c.results.length} result${c.results.length === 1 ? '' : 's'}`);
    const request = c.request;
    if (request?.url !== undefined && (request.path !== undefined || request.query !== undefined)) {
      issues.push(yaml.issue(['cases', i, 'request', 'url'], 'give url, or path and query, not both', 'key'));
    }
  });
  return issues;
}
