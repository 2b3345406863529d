import { parse, YAMLParseError } from 'yaml';

/**
 * Parses a YAML text into a plain object, or says why it cannot and at which 1-based line when the parser knows (the
 * YAML view may hold a half-typed text).
 */
export function readYamlObject(text: string): { value: Record<string, unknown> | null; error: string | null; line?: number } {
  try {
    const value: unknown = parse(text);
    if (value === null || value === undefined) return { value: {}, error: null };
    if (typeof value !== 'object' || Array.isArray(value)) return { value: null, error: 'the document is not a mapping of keys', line: 1 };
    return { value: value as Record<string, unknown>, error: null };
  } catch (e) {
    const line = e instanceof YAMLParseError ? e.linePos?.[0]?.line : undefined;
    return { value: null, error: e instanceof Error ? e.message : String(e), ...(line !== undefined ? { line } : {}) };
  }
}
