import { describe, expect, it } from 'vitest';
import { Redactor } from './redactor.js';

/** What the URL parser writes for a part it was given. */
function inUrl(set: (url: URL) => void, get: (url: URL) => string): string {
  const url = new URL('http://h/');
  set(url);
  return get(url);
}

// Each form is written here with the platform's own encoders, not with the redactor's code, so a form the
// redactor forgets fails the test.
const forms: Record<string, (secret: string) => string> = {
  raw: (s) => s,
  encodeURIComponent: (s) => encodeURIComponent(s),
  encodeURI: (s) => encodeURI(s),
  URLSearchParams: (s) => new URLSearchParams({ k: s }).toString().slice(2),
  'form (+ for space)': (s) => encodeURIComponent(s).replace(/%20/g, '+'),
  'URL path': (s) => inUrl((url) => (url.pathname = s), (url) => url.pathname.slice(1)),
  'URL query': (s) => inUrl((url) => (url.search = s), (url) => url.search.slice(1)),
  'URL password': (s) => inUrl((url) => (url.password = s), (url) => url.password),
  'JSON string': (s) => JSON.stringify(s).slice(1, -1),
  'JSON with \\u escapes': (s) => JSON.stringify(s).slice(1, -1).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  'JSON inside JSON': (s) => JSON.stringify(JSON.stringify(s).slice(1, -1)).slice(1, -1),
  base64: (s) => Buffer.from(s).toString('base64'),
  base64url: (s) => Buffer.from(s).toString('base64url'),
};

const secrets: Record<string, string> = {
  'a space': 'my secret key',
  'a plus': 'k3y+with+plus',
  'a slash and equals': 'a/b=c/d==',
  'a quote': 'say "hello" now',
  'a backslash': 'C:\\keys\\prod',
  'a newline': 'line one\nline two',
  'non-ASCII': 'pässwörd-日本-🔑',
  'every one of them': 'a b+c/d=e"f\\g\nh é',
};

describe('Redactor', () => {
  for (const [what, secret] of Object.entries(secrets)) {
    for (const [form, encode] of Object.entries(forms)) {
      it(`masks a secret with ${what} in its ${form} form`, () => {
        const encoded = encode(secret);
        const text = `before ${encoded} after`;
        expect(new Redactor().add(secret).mask(text)).toBe('before **** after');
      });
    }
  }

  it('masks a password inside the base64 of a longer text (a Basic header of user:password)', () => {
    const redactor = new Redactor().add('correct horse battery');
    for (const user of ['a', 'ab', 'abc']) {
      const header = Buffer.from(`${user}:correct horse battery`).toString('base64');
      const masked = redactor.mask(`Authorization: Basic ${header}`);
      expect(masked).toContain('****');
      // At most the characters that mix the user's bits with the password's stay: never a decodable password.
      expect(Buffer.from(masked.replace(/^.*Basic /, '').replace(/\*/g, ''), 'base64').toString()).not.toContain('horse');
    }
  });

  it('masks every occurrence, the longest form first', () => {
    const redactor = new Redactor().add('tok en', 'tok en-extended');
    expect(redactor.mask('tok en-extended, tok%20en, tok+en')).toBe('****, ****, ****');
  });

  it('ignores values shorter than four characters and never masks pieces of a short secret', () => {
    const redactor = new Redactor().add('abc', '', null, undefined, 'pass');
    expect(redactor.mask('abc is fine, pas is fine, a password is masked')).toBe('abc is fine, pas is fine, a ****word is masked');
    // The base64 of a four-character secret is masked whole; its first characters alone are ordinary text.
    expect(redactor.mask('cGFzcw== and cGFz')).toBe('**** and cGFz');
  });

  it('masks strings deep inside a JSON-like value', () => {
    const redactor = new Redactor().add('k e y!');
    expect(redactor.maskValue({ url: 'https://x/?k=k%20e%20y!', list: ['k+e+y!', 1, null], nested: { text: 'k e y!' } })).toEqual({
      url: 'https://x/?k=****',
      list: ['****', 1, null],
      nested: { text: '****' },
    });
  });
});
