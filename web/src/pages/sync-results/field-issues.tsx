import type { ConfigIssue } from '../../../../src/api/config-issue.js';
import { ApiError } from '../../api-error.js';

/** The problems a save found in sluice.yaml, to show beside the fields they are about (none for another error). */
export const saveIssues = (error: unknown): ConfigIssue[] => (error instanceof ApiError ? error.issues : []);

/** The issues at a key path (`syncs.orders.write_back.table`) or below it. */
export const issuesAt = (issues: readonly ConfigIssue[], path: string): ConfigIssue[] =>
  issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`));

/** The issues exactly at a key path (a whole entry's problem, such as a missing key). */
export const issuesExactlyAt = (issues: readonly ConfigIssue[], path: string): ConfigIssue[] => issues.filter((i) => i.path === path);

/** The server's messages under a field, in the style of the page's other field errors. */
export function FieldIssues(props: { issues: readonly ConfigIssue[]; testId: string }) {
  if (props.issues.length === 0) return null;
  return (
    <span className="error-text small" role="alert" data-testid={props.testId}>
      {props.issues.map((i) => i.message).join(' ')}
    </span>
  );
}
