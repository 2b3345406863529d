/**
 * `${secret:NAME}` in sluice.yaml: a value kept encrypted in the state store (entered through the UI or the API,
 * or with `sluice secrets set`), so the file holds a reference, never the credential.
 */

/** Reads secrets by their store name (a StateStore does). */
export interface SecretReader {
  getSecret(name: string): Promise<string | null>;
}

/** A secret name: letters, digits, `_`, `.` and `-`, starting with a letter or `_`. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

const REFERENCE = /\$\{secret:([^}]*)\}/g;

/** The state-store name of a project secret: its own namespace, so a reference can never read the API token or OAuth tokens. */
export function secretStoreName(name: string): string {
  return `project_secret:${name}`;
}

/** The reference written in sluice.yaml for a secret name. */
export function secretReference(name: string): string {
  return `\${secret:${name}}`;
}

/** Whether a string holds a `${secret:...}` reference. */
export function hasSecretReference(text: string): boolean {
  return text.includes('${secret:');
}

/** The names referenced in a string (valid or not, in order). */
export function secretNamesIn(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => m[1]!);
}

/** Every secret name referenced anywhere in parsed YAML data. */
export function secretReferences(data: unknown): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (hasSecretReference(value)) for (const name of secretNamesIn(value)) names.add(name);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(data);
  return [...names];
}

/** The string with every `${secret:NAME}` replaced by `resolve(name)` (which reports what it cannot resolve). */
export function replaceSecretReferences(text: string, resolve: (name: string, whole: string) => string): string {
  return text.replace(REFERENCE, (whole, name: string) => resolve(name, whole));
}
