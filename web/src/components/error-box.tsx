import { ApiError } from '../api-error.js';

/** An error as the user should read it: the message, then each config issue with file:line:column and key path. */
export function ErrorBox(props: { error: unknown; testId?: string }) {
  if (props.error === undefined || props.error === null) return null;
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  const issues = props.error instanceof ApiError ? props.error.issues : [];
  return (
    <div className="error-box" role="alert" data-testid={props.testId ?? 'error'}>
      <div>{message}</div>
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
