/** Masks every secret value the project knows in any text before it is printed, logged or stored. */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  /** Registers secret values (empty and very short values are ignored: masking "a" would wreck output). */
  add(...secrets: (string | null | undefined)[]): this {
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < 4 || this.values.has(s)) continue;
      this.values.add(s);
      // Also mask the forms a secret takes inside URLs, form bodies and Basic headers.
      this.values.add(encodeURIComponent(s));
      this.values.add(Buffer.from(s).toString('base64'));
      this.pattern = null;
    }
    return this;
  }

  /** The text with each secret replaced by `****`. */
  mask(text: string): string {
    if (this.values.size === 0) return text;
    if (!this.pattern) {
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
