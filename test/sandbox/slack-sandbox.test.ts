import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackSandbox, type SlackSandbox } from '../../sandbox/slack/slack-sandbox.js';

describe('Slack sandbox', () => {
  let slack: SlackSandbox;
  const hook = '/services/T000/B000/XXXX';
  const postHook = (body: string, path = hook) => fetch(`${slack.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const chat = (body: unknown, token = 'xoxb-sandbox-token') =>
    fetch(`${slack.url}/api/chat.postMessage`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    slack = await startSlackSandbox({ revokedWebhooks: ['/services/T000/B000/GONE'] });
  });
  afterAll(() => slack.close());
  beforeEach(() => slack.reset());

  it('incoming webhook answers 200 with the plain text ok and stores the message', async () => {
    const res = await postHook('{"text":"Hello"}');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('ok');
    expect(slack.state.messages).toMatchObject([{ via: 'webhook', channel: 'C0000000001', text: 'Hello' }]);
  });

  it('incoming webhook errors are plain-text strings with their status codes', async () => {
    const cases: [string, string, number, string][] = [
      ['{"text":', hook, 400, 'invalid_payload'],
      ['{"username":"x"}', hook, 400, 'no_text'],
      ['{"text":"a","channel":"#nowhere"}', hook, 404, 'channel_not_found'],
      ['{"text":"a","channel":"#old-news"}', hook, 410, 'channel_is_archived'],
      ['{"text":"a"}', '/services/T000/B000/GONE', 404, 'no_service'],
    ];
    for (const [body, path, status, text] of cases) {
      const res = await postHook(body, path);
      expect([res.status, await res.text()]).toEqual([status, text]);
    }
    expect(slack.state.messages).toHaveLength(0);
  });

  it('chat.postMessage answers ok:true with channel and ts', async () => {
    const res = await chat({ channel: '#general', text: 'hi' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ ok: true, channel: 'C0000000001', ts: expect.stringMatching(/^\d+\.\d{6}$/), message: { text: 'hi', type: 'message' } });
  });

  it('chat.postMessage errors are HTTP 200 with ok:false', async () => {
    const cases: [unknown, string, string][] = [
      [{ channel: 'C999', text: 'x' }, 'xoxb-sandbox-token', 'channel_not_found'],
      [{ channel: 'C0000000004', text: 'x' }, 'xoxb-sandbox-token', 'not_in_channel'],
      [{ channel: 'C0000000001' }, 'xoxb-sandbox-token', 'no_text'],
      [{ channel: 'C0000000001', text: 'x'.repeat(40_001) }, 'xoxb-sandbox-token', 'msg_too_long'],
      [{ channel: 'C0000000001', text: 'x' }, 'xoxb-wrong', 'invalid_auth'],
    ];
    for (const [body, token, error] of cases) {
      const res = await chat(body, token);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: false, error });
    }
    const noAuth = await fetch(`${slack.url}/api/chat.postMessage`, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{"channel":"C0000000001","text":"x"}' });
    expect(await noAuth.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(slack.state.messages).toHaveLength(0);
  });

  it('chat.postMessage answers 429 with Retry-After past the per-channel rate', async () => {
    slack.faults({ rate_limit: { remaining: 0 } });
    const res = await chat({ channel: 'C0000000001', text: 'x' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('chat.postMessage reports token_expired after tokens expire', async () => {
    slack.faults({ expire_tokens: true });
    expect(await (await chat({ channel: 'C0000000001', text: 'x' })).json()).toEqual({ ok: false, error: 'token_expired' });
  });
});
