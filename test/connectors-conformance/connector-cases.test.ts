import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runSluiceInProcess } from '../support/capture.js';
import { builtinConnectorsDir } from '../../src/config/load-connector-spec.js';
import { loadConnectorSpec } from '../../src/config/load-project.js';
import { loadTestCases, testCasesFile } from '../../src/connectors/test-cases/load-test-cases.js';

const builtins = (await readdir(builtinConnectorsDir())).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).map((f) => f.slice(0, -'.yaml'.length));

/** `sluice connector test NAME --cases`, in process. */
const runCases = (name: string) => runSluiceInProcess(['--json', 'connector', 'test', name, '--cases']);

// Every built-in ships its cases (connectors/<name>.test.yaml), written from the API's contract; CI runs them here.
describe('the test cases of every built-in connector', () => {
  it('covers every built-in', () => {
    expect(builtins.sort()).toEqual(['backlog', 'bigcommerce', 'google-sheets', 'hubspot', 'intercom', 'kintone', 'mailchimp', 'marketo', 'salesforce', 'slack', 'webhook', 'zendesk']);
  });

  it('are not listed as connectors themselves', async () => {
    const { code, out } = await runCases('nosuch');
    expect(code).toBe(2);
    expect((JSON.parse(out) as { error: string }).error).toContain('unknown built-in connector "nosuch" (built-in: backlog, bigcommerce, google-sheets, hubspot, intercom, kintone, mailchimp, marketo, salesforce, slack, webhook, zendesk)');
  });

  it.each(builtins)('%s passes its cases offline, with a request case for every endpoint and a case for every stream', async (name) => {
    const { code, out, err } = await runCases(name);
    expect(err).toBe('');
    const report = JSON.parse(out) as { ok: boolean; failed: number; cases: { name: string; ok: boolean; differences: string[] }[] };
    expect(report.cases.filter((c) => !c.ok)).toEqual([]);
    expect(code).toBe(0);

    const { file, spec } = await loadConnectorSpec(name, process.cwd());
    const { tests } = await loadTestCases(testCasesFile(file), spec);
    const requested = new Set(tests.cases.flatMap((c) => ('endpoint' in c && c.request ? [c.endpoint] : [])));
    expect(Object.keys(spec.endpoints).filter((e) => !requested.has(e))).toEqual([]);
    const streamed = new Set(tests.cases.flatMap((c) => ('stream' in c ? [c.stream] : [])));
    expect(Object.keys(spec.streams).filter((s) => !streamed.has(s))).toEqual([]);
    // A response case with a refused row: per-record errors where the API reports them, else the refusal.
    expect(tests.cases.some((c) => 'endpoint' in c && c.results?.some((r) => r.error !== undefined))).toBe(true);
  });
});
