import { ApiError } from '../api-error.js';
import { formatConfigIssue } from '../../../src/config/config-error.js';
import { useI18n } from '../i18n.js';
import { isUnreachableError } from '../server-reachability.js';
import { serverErrorText } from '../server-messages.js';

/**
 * An error as the user should read it: the message, then each config issue with file:line:column and key path. The
 * server's message for one issue is that issue written out, and is then not shown again above the list; a call that
 * got no answer says so in the user's language (the offline banner says the rest) instead of "Failed to fetch".
 */
export function ErrorBox(props: { error: unknown; testId?: string }) {
  const { t, lang } = useI18n();
  if (props.error === undefined || props.error === null) return null;
  const unreachable = isUnreachableError(props.error);
  const message = unreachable ? t('offline.notDone') : props.error instanceof ApiError ? serverErrorText(props.error, lang) : props.error instanceof Error ? props.error.message : String(props.error);
  const issues = props.error instanceof ApiError ? props.error.issues : [];
  const repeatsAnIssue = issues.some((issue) => formatConfigIssue(issue) === message || issue.message === message);
  return (
    <div className="error-box" role="alert" data-testid={props.testId ?? 'error'} data-unreachable={unreachable || undefined}>
      {!repeatsAnIssue && <div>{message}</div>}
      {issues.length > 0 && (
        <ul>
          {issues.map((issue, i) => (
            <li key={i}>
              {issue.file && (
                <code>
                  {issue.file}
                  {issue.line !== undefined ? `:${issue.line}` : ''}
                  {issue.column !== undefined ? `:${issue.column}` : ''}
                </code>
              )}{' '}
              {issue.path && <code className="muted">{issue.path}</code>} {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
