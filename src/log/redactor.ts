import { secretEncodings } from './secret-encodings.js';

/** Shorter values are never registered: masking "a" would wreck output. */
export const MIN_SECRET_LENGTH = 4;

/** Masks every secret value the project knows in any text before it is printed, logged or stored. */
export class Redactor {
  /** The secrets as registered, to skip repeats cheaply (auths re-register theirs on every request). */
  private readonly secrets = new Set<string>();
  /** Every form of every secret, as it can appear in a text (see secretEncodings). */
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  /** Registers secret values (empty and very short values are ignored, see MIN_SECRET_LENGTH). */
  add(...secrets: (string | null | undefined)[]): this {
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH || this.secrets.has(s)) continue;
      this.secrets.add(s);
      for (const form of secretEncodings(s)) this.values.add(form);
      this.pattern = null;
    }
    return this;
  }

  /** The text with each secret, in any of its forms, replaced by `****`. */
  mask(text: string): string {
    if (this.values.size === 0) return text;
    if (!this.pattern) {
      // Longest first: where one form contains another, the whole of it is masked.
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    }
    return text.replace(this.pattern, '****');
  }

  /** A deep copy of a JSON-like value with every string masked. */
  maskValue<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.maskValue(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskValue(v)])) as T;
    }
    return value;
  }
}
