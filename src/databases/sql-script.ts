/** Statements shown as one script (a preview, a rejected row's request): absent ones left out, each ended by `;`, comment lines as they are. */
export function sqlScript(statements: readonly (string | null | undefined)[]): string {
  return statements
    .filter((s): s is string => Boolean(s))
    .map((s) => (s.startsWith('--') ? s : `${s};`))
    .join('\n');
}
