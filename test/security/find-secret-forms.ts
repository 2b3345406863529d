// Finds secrets in what a user or an attacker can read: command output, API answers, files (as bytes).
// The forms are computed with the platform's own encoders, independently of src/log/secret-encodings.ts, so a form
// the redactor forgets shows up here as a leak instead of being forgotten twice.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** One way a secret can be written, and how it reads. */
export interface SecretForm {
  /** What the form is (`raw`, `percent-encoded`, `JSON-escaped`...), for the leak report. */
  form: string;
  text: string;
}

/** Where a secret was found. */
export interface Leak {
  /** The name of the text it was found in (`stdout of sync run`, `.sluice/state.db`). */
  where: string;
  /** The name of the secret, as given to findLeaks. */
  secret: string;
  form: string;
  /** Up to 40 characters either side, to see how it got there. */
  context: string;
}

/**
 * Every form a secret takes on its way to a reader: raw; percent-encoded (encodeURIComponent, encodeURI,
 * URLSearchParams, form encoding with `+` for a space); JSON-escaped (as JSON.stringify writes it, and with `\u`
 * escapes for non-ASCII); base64 and base64url of its UTF-8 bytes. Forms that read the same are listed once.
 * Base64 of a longer text holding the secret (`user:password`) is not base64 of the secret: pass that text as a
 * secret of its own.
 */
export function secretForms(secret: string): SecretForm[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const candidates: SecretForm[] = [
    { form: 'raw', text: secret },
    { form: 'percent-encoded', text: encodeURIComponent(secret) },
    { form: 'encodeURI', text: encodeURI(secret) },
    { form: 'URLSearchParams', text: new URLSearchParams({ k: secret }).toString().slice(2) },
    { form: 'form-encoded', text: encodeURIComponent(secret).replace(/%20/g, '+') },
    { form: 'JSON-escaped', text: json },
    { form: 'JSON-escaped ASCII', text: json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) },
    { form: 'base64', text: Buffer.from(secret, 'utf8').toString('base64') },
    { form: 'base64url', text: Buffer.from(secret, 'utf8').toString('base64url') },
  ];
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.text) && seen.add(c.text));
}

/**
 * Every form of every secret found in the texts (strings, or files' bytes, searched as UTF-8). `texts` and `secrets`
 * are by name, so a failure reads `stdout of sync run holds apiKey (form-encoded): ...`. An empty list means no leak.
 */
export function findLeaks(texts: Record<string, string | Uint8Array>, secrets: Record<string, string>): Leak[] {
  const leaks: Leak[] = [];
  for (const [where, content] of Object.entries(texts)) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    for (const [name, secret] of Object.entries(secrets)) {
      for (const { form, text } of secretForms(secret)) {
        const needle = Buffer.from(text, 'utf8');
        for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
          const context = bytes.subarray(Math.max(0, at - 40), at + needle.length + 40).toString('utf8');
          leaks.push({ where, secret: name, form, context });
        }
      }
    }
  }
  return leaks;
}

/** The leaks as lines a failing test prints. */
export function describeLeaks(leaks: readonly Leak[]): string[] {
  return leaks.map((l) => `${l.where} holds ${l.secret} (${l.form}): ${JSON.stringify(l.context)}`);
}

/** Every file under `root`, by its path relative to `base`, as bytes (SQLite pages included: a secret there is raw bytes). */
export async function filesUnder(root: string, base: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(base, path)] = await readFile(path);
  }
  return files;
}
