import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import type { ResponseRule } from './request-policy.js';
import { apiMessage, errorMessage } from './api-message.js';
import { classifyResponse } from './classify-response.js';
import type { HttpResponse } from './http-response.js';

const liquid = new Liquid();
const evaluate = (condition: string, context: object) => {
  const value: unknown = liquid.evalValueSync(condition, context);
  return value !== false && value !== null && value !== undefined;
};
const render = (template: string, context: object) => liquid.parseAndRenderSync(template, context);

function response(status: number, body: unknown = '', headers: Record<string, string> = {}): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers, text, body, durationMs: 1, url: 'https://api.example.com/x' };
}

const classify = (r: HttpResponse, rules: ResponseRule[] = [], onStatus?: number[]) =>
  classifyResponse(r, rules, evaluate, { onStatus, render });

describe('classifyResponse defaults', () => {
  it.each([
    [200, 'success'],
    [201, 'success'],
    [204, 'success'],
    [401, 'refresh_auth'],
    [429, 'rate_limited'],
    [408, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [599, 'retry'],
    [400, 'reject'],
    [403, 'reject'],
    [404, 'reject'],
    [422, 'reject'],
    [302, 'reject'],
  ])('%i -> %s', (status, action) => {
    expect(classify(response(status)).action).toBe(action);
  });

  it('asks for a refresh on WWW-Authenticate invalid_token whatever the status', () => {
    const header = { 'www-authenticate': 'Bearer realm="x", error="invalid_token", error_description="expired"' };
    expect(classify(response(403, '', header)).action).toBe('refresh_auth');
    expect(classify(response(403, '', { 'www-authenticate': 'Bearer realm="x"' })).action).toBe('reject');
  });

  it('retries the statuses of retry.on_status', () => {
    expect(classify(response(409), [], [409]).action).toBe('retry');
    expect(classify(response(409)).action).toBe('reject');
  });
});

describe('classifyResponse rules', () => {
  const rules: ResponseRule[] = [
    {
      when: "response.status == 403 and response.body[0].errorCode == 'REQUEST_LIMIT_EXCEEDED'",
      action: 'rate_limited',
    },
    { when: 'response.status == 200 and response.body.ok == false', action: 'reject', message: '{{ response.body.error }}' },
  ];

  it('lets a user rule win over the defaults (403 REQUEST_LIMIT_EXCEEDED is a rate limit)', () => {
    const r = response(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(classify(r, rules)).toEqual({ action: 'rate_limited' });
  });

  it('rejects a 200 with ok:false, with the rendered message', () => {
    expect(classify(response(200, { ok: false, error: 'channel_not_found' }), rules)).toEqual({
      action: 'reject',
      message: 'channel_not_found',
    });
  });

  it('falls through to the defaults when no rule matches', () => {
    expect(classify(response(200, { ok: true }), rules).action).toBe('success');
    expect(classify(response(403, [{ errorCode: 'INSUFFICIENT_ACCESS' }]), rules).action).toBe('reject');
  });

  it('takes the first matching rule', () => {
    const both: ResponseRule[] = [
      { when: 'response.status == 500', action: 'fail' },
      { when: 'response.status >= 500', action: 'reject' },
    ];
    expect(classify(response(500), both).action).toBe('fail');
  });

  it('sees response headers in conditions', () => {
    const byHeader: ResponseRule[] = [{ when: "response.headers['x-status'] == 'paused'", action: 'retry' }];
    expect(classify(response(200, '', { 'x-status': 'paused' }), byHeader).action).toBe('retry');
  });
});

describe('errorMessage', () => {
  it.each([
    ['Backlog errors[0].message', { errors: [{ message: 'No project.', code: 6 }] }, '404 Not Found: No project.'],
    ['Salesforce [0].message', [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], '404 Not Found: Session expired or invalid'],
    ['HubSpot message', { status: 'error', message: 'Property values were not valid' }, '404 Not Found: Property values were not valid'],
    ['error.message', { error: { code: 404, message: 'Not found: Table x' } }, '404 Not Found: Not found: Table x'],
    ['OAuth error_description', { error: 'invalid_grant', error_description: 'expired' }, '404 Not Found: expired'],
    ['Slack error', { ok: false, error: 'channel_not_found' }, '404 Not Found: channel_not_found'],
    ['BigCommerce title', { status: 404, title: 'Customer not found' }, '404 Not Found: Customer not found'],
    ['plain text', 'no_service', '404 Not Found: no_service'],
    ['empty body', '', '404 Not Found'],
  ])('extracts the %s', (_name, body, expected) => {
    expect(errorMessage(response(404, body))).toBe(expected);
  });

  it('prefers the connector error_message template, falling back when it renders empty', () => {
    const r = response(400, { errors: [{ message: 'bad' }], detail: 'use the template' });
    expect(errorMessage(r, (res) => render('{{ response.body.detail }}', { response: res }))).toBe('400 Bad Request: use the template');
    expect(errorMessage(r, () => '  ')).toBe('400 Bad Request: bad');
  });

  it('truncates long text to 500 characters', () => {
    const message = apiMessage(response(502, '<html>' + 'x'.repeat(2000)));
    expect(message).toHaveLength(501);
    expect(message.endsWith('…')).toBe(true);
  });

  it('shows the JSON text when no known field carries a message', () => {
    expect(errorMessage(response(400, { code: 17 }))).toBe('400 Bad Request: {"code":17}');
  });
});
