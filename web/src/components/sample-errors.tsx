import type { RowError } from '../../../src/api/runs.js';

/**
 * The rows a run sampled as failed, each key with its error (nothing when there are none). A row whose error is the
 * run's own error, already shown above (`runError`), is listed by its key alone.
 */
export function SampleErrors(props: { errors: RowError[] | undefined; runError?: string | null }) {
  if (!props.errors || props.errors.length === 0) return null;
  return (
    <ul className="sample-errors">
      {props.errors.map((e, i) => (
        <li key={i}>
          <code>{e.key}</code> {e.error === props.runError ? null : e.error}
        </li>
      ))}
    </ul>
  );
}
