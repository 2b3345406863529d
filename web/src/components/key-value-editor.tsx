import { useEffect, useState } from 'react';
import { useI18n } from '../i18n.js';

type Pair = [string, string];

const toPairs = (value: Record<string, unknown> | undefined): Pair[] =>
  Object.entries(value ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);

const sameAs = (pairs: Pair[], value: Record<string, unknown> | undefined) => JSON.stringify(pairs) === JSON.stringify(toPairs(value));

/** Edits a string map (headers, config, mapping) as rows of key and value; rows without a key are dropped. */
export function KeyValueEditor(props: {
  value: Record<string, unknown> | undefined;
  onChange: (value: Record<string, string> | undefined) => void;
  keyLabel: string;
  valueLabel: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const [pairs, setPairs] = useState<Pair[]>(() => toPairs(props.value));

  // Follow edits made elsewhere (the YAML view), but keep a row the user is still typing.
  useEffect(() => {
    setPairs((current) => (sameAs(current.filter(([k]) => k !== ''), props.value) ? current : toPairs(props.value)));
  }, [props.value]);

  const update = (next: Pair[]) => {
    setPairs(next);
    const kept = next.filter(([k]) => k.trim() !== '');
    props.onChange(kept.length === 0 ? undefined : Object.fromEntries(kept));
  };

  return (
    <div className="kv-editor" data-testid={props.testId}>
      {pairs.map(([k, v], i) => (
        <div className="kv-row" key={i}>
          <input aria-label={props.keyLabel} placeholder={props.keyLabel} value={k} onChange={(e) => update(pairs.map((p, j) => (j === i ? [e.target.value, p[1]] : p)))} />
          <input aria-label={props.valueLabel} placeholder={props.valueLabel} value={v} onChange={(e) => update(pairs.map((p, j) => (j === i ? [p[0], e.target.value] : p)))} />
          <button type="button" className="icon-button" title={t('common.remove')} aria-label={t('common.remove')} onClick={() => update(pairs.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="small" onClick={() => setPairs([...pairs, ['', '']])}>
        + {t('common.addRow')}
      </button>
    </div>
  );
}
