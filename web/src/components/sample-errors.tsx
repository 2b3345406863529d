import type { RowError } from '../../../src/api/runs.js';

/** The rows a run sampled as failed, each key with its error (nothing when there are none). */
export function SampleErrors(props: { errors: RowError[] | undefined }) {
  if (!props.errors || props.errors.length === 0) return null;
  return (
    <ul className="sample-errors">
      {props.errors.map((e, i) => (
        <li key={i}>
          <code>{e.key}</code> {e.error}
        </li>
      ))}
    </ul>
  );
}
