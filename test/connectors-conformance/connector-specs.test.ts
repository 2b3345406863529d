import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinConnectorsDir, readConnectorSpec } from '../../src/config/load-connector-spec.js';

const expected = ['backlog', 'bigcommerce', 'google-sheets', 'hubspot', 'intercom', 'kintone', 'mailchimp', 'marketo', 'salesforce', 'slack', 'webhook', 'zendesk'];

describe('built-in connector specs', () => {
  it('ship one YAML spec and one README per connector', async () => {
    const files = await readdir(builtinConnectorsDir());
    expect(files.filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).sort()).toEqual(expected.map((n) => `${n}.yaml`));
    expect(files.filter((f) => f.endsWith('.test.yaml')).sort()).toEqual(expected.map((n) => `${n}.test.yaml`));
    expect(files.filter((f) => f.endsWith('.md')).sort()).toEqual(expected.map((n) => `${n}.md`));
  });

  it.each(expected)('%s.yaml is valid against the connector schema and its checks', async (name) => {
    const { connector, issues } = await readConnectorSpec(join(builtinConnectorsDir(), `${name}.yaml`));
    expect(issues).toEqual([]);
    expect(connector?.spec.name).toBe(name);
    expect(Object.keys(connector!.spec.endpoints).length).toBeGreaterThan(0);
  });

  it('declare the auth kinds each API takes', async () => {
    const kinds = async (name: string) => (await readConnectorSpec(join(builtinConnectorsDir(), `${name}.yaml`))).connector!.spec.auth;
    expect((await kinds('backlog')).map((a) => a.type)).toEqual(['oauth2', 'api_key']);
    expect((await kinds('backlog'))[1]).toMatchObject({ in: 'query', name: 'apiKey' });
    expect((await kinds('salesforce'))[0]).toMatchObject({ type: 'oauth2', base_url_from: 'instance_url' });
    expect((await kinds('hubspot')).map((a) => a.type)).toEqual(['bearer', 'oauth2']);
    expect((await kinds('bigcommerce'))[0]).toMatchObject({ type: 'api_key', in: 'header', name: 'X-Auth-Token' });
    expect((await kinds('webhook')).map((a) => a.type)).toEqual(['none', 'bearer', 'basic', 'api_key']);
    expect((await kinds('intercom')).map((a) => a.type)).toEqual(['bearer', 'oauth2']);
    expect((await kinds('marketo'))[0]).toMatchObject({ type: 'oauth2_client_credentials', token_url: '{{ config.instance_url }}/identity/oauth/token' });
    expect((await kinds('google-sheets'))[0]).toMatchObject({ type: 'jwt', algorithm: 'RS256', token_url: '{{ config.token_uri }}' });
    expect((await kinds('mailchimp')).map((a) => a.type)).toEqual(['basic']);
    expect((await kinds('zendesk')).map((a) => a.type)).toEqual(['basic', 'bearer']);
    expect((await kinds('kintone'))[0]).toMatchObject({ type: 'api_key', in: 'header', name: 'X-Cybozu-API-Token' });
  });
});
