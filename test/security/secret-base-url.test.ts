// A base URL that is itself the credential (base_url_secret) is known to the project's redactor as soon as the
// project loads, whether the connection overrides it or the connector renders it from config, and any URL's
// password is masked while its scheme, host and user name stay readable.
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { writeProject } from '../config/write-project.js';

const HOOK = 'https://hooks.example.com/T0123/B0456/xyzSECRET';

const project = `version: 1
connections:
  from_config:
    type: http
    connector: webhook
    config: { url: "${HOOK}" }   # a literal: an \${env:} value here would be masked whole as any env value
  overridden:
    type: http
    connector: slack
    base_url: "\${env:SLACK_WEBHOOK_URL}"
    auth: { type: none }
  bot:
    type: http
    connector: slack
    auth: { type: bearer, token: xoxb-bot-token-1 }
  with_password:
    type: http
    connector: ./plain.yaml
    base_url: "https://svc:pa%24%24-w0rd@api.example.com/v1"
`;

const plain = `name: plain
base_url: https://api.example.com
endpoints:
  post: { operation: create, path: /items }
`;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('secret base URLs', () => {
  it('masks what follows the host of a rendered or overridden secret base URL, and never a host', async () => {
    const written = await writeProject({ 'sluice.yaml': project, 'plain.yaml': plain });
    cleanup = written.cleanup;
    const env = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET' };
    const { redactor } = await loadProject({ project: written.dir, env });
    expect(redactor.mask(`POST ${HOOK} -> 404`)).toBe('POST https://hooks.example.com/**** -> 404');
    expect(redactor.mask(`path ${encodeURIComponent('/T0123/B0456/xyzSECRET')}`)).toBe('path %2F****');
    expect(redactor.mask('curl -X POST https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('curl -X POST https://hooks.slack.com/****');
    // The bot connection's https://slack.com has nothing after its host: nothing of it is masked.
    expect(redactor.mask('https://slack.com/api/chat.postMessage and hooks.slack.com')).toBe('https://slack.com/api/chat.postMessage and hooks.slack.com');
    expect(redactor.mask('https://svc:pa%24%24-w0rd@api.example.com/v1 (pa$$-w0rd)')).toBe('https://svc:****@api.example.com/v1 (****)');
  });
});
