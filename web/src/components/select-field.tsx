/** A labelled select of plain options; `blank` adds a first option for "none" (value ''). */
export function SelectField(props: { label: string; name: string; value: string; options: readonly string[]; onChange: (value: string) => void; blank?: string }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.blank !== undefined && <option value="">{props.blank}</option>}
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
