import { parse } from 'yaml';

/** Parses a YAML text into a plain object, or says why it cannot (the YAML view may hold a half-typed text). */
export function readYamlObject(text: string): { value: Record<string, unknown> | null; error: string | null } {
  try {
    const value: unknown = parse(text);
    if (value === null || value === undefined) return { value: {}, error: null };
    if (typeof value !== 'object' || Array.isArray(value)) return { value: null, error: 'the document is not a mapping of keys' };
    return { value: value as Record<string, unknown>, error: null };
  } catch (e) {
    return { value: null, error: e instanceof Error ? e.message : String(e) };
  }
}
