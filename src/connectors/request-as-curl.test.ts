import { describe, expect, it } from 'vitest';
import { Redactor } from '../log/redactor.js';
import { requestAsCurl } from './request-as-curl.js';

describe('requestAsCurl', () => {
  it('prints a copy-pasteable command with shell-quoted URL, headers and body', () => {
    const text = requestAsCurl({
      method: 'post',
      url: 'https://api.example.com/issues?x=1',
      headers: { 'Content-Type': 'application/json' },
      body: `{"summary":"it's"}`,
    });
    expect(text).toBe(
      [`curl -X POST 'https://api.example.com/issues?x=1' \\`, `  -H 'Content-Type: application/json' \\`, `  --data-raw '{"summary":"it'\\''s"}'`].join('\n'),
    );
  });

  it('masks credential headers, credential query parameters and every known secret', () => {
    const redactor = new Redactor().add('s3cr3t-value');
    const text = requestAsCurl(
      {
        method: 'GET',
        url: 'https://api.example.com/x?apiKey=abc123456&q=1&custom=k-999',
        headers: { Authorization: 'Bearer tok-123456', 'X-Auth-Token': 'zzz-999', Cookie: 'sid=1', 'X-Other': 'has s3cr3t-value inside' },
        body: null,
      },
      { redactor, secretParams: ['custom'] },
    );
    expect(text).toContain("'https://api.example.com/x?apiKey=****&q=1&custom=****'");
    expect(text).toContain("'Authorization: Bearer ****'");
    expect(text).toContain("'X-Auth-Token: ****'");
    expect(text).toContain("'Cookie: ****'");
    expect(text).toContain("'X-Other: has **** inside'");
    expect(text).not.toMatch(/abc123456|tok-123456|zzz-999|k-999|s3cr3t/);
  });
});
