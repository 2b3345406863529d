import { useState } from 'react';
import type { DestinationOptions } from '../../../../src/api/sync-drafts.js';
import { syncModes, type SyncMode, type SyncObject } from '../../../../src/api/syncs.js';
import { useI18n, type MessageKey } from '../../i18n.js';
import { chosenEndpoints, columnName, keyColumns, modesOfSlots, withKey, type SampleState, type StepProps } from './sync-draft.js';

type Rule = { skip_null?: boolean; on?: 'always' | 'create'; value?: string | number | boolean | null };
type RuleKind = 'skipNull' | 'onCreate' | 'value';
const ruleKind = (r: Rule): RuleKind => (r.value !== undefined ? 'value' : r.on === 'create' ? 'onCreate' : 'skipNull');
const ruleOf = (kind: RuleKind, value = ''): Rule => (kind === 'value' ? { value } : kind === 'onCreate' ? { on: 'create' } : { skip_null: true });

/** The modes the destination serves: every mode for a table, those of the chosen endpoint (or endpoints) for an API. */
function supportedModes(options: DestinationOptions | null, to: SyncObject['to']): readonly SyncMode[] {
  if (!options || options.kind === 'table') return syncModes;
  if (to.endpoints) return modesOfSlots(to.endpoints);
  return options.endpoints.find((e) => e.name === to.endpoint)?.modes ?? syncModes;
}

/**
 * How rows are written: the mode (those the endpoint serves first), the key and the mapping picked from the sample's
 * columns and the `row.*` fields the endpoint reads, field rules, and what mirror does with a record gone.
 */
export function FieldsStep(props: StepProps & { options: DestinationOptions | null; sample: SampleState }) {
  const { t } = useI18n();
  const { draft, onChange, options } = props;
  const sync = draft.sync;
  const set = (key: string, value: unknown) => onChange({ ...draft, sync: withKey(sync, key, value) });
  const columns = props.sample.result?.columns.map(columnName) ?? [];
  const chosen = chosenEndpoints(sync, options);
  const rowFields = [...new Set(chosen.flatMap((e) => e.rowFields))];
  const supported = supportedModes(options, sync.to);
  const others = syncModes.filter((m) => !supported.includes(m));
  const key = keyColumns(sync);
  const mapping = sync.mapping ?? {};
  const mappedFields = [...rowFields, ...Object.keys(mapping).filter((f) => !rowFields.includes(f))];
  const rules = (sync.fields ?? {}) as Record<string, Rule>;
  const [extraField, setExtraField] = useState('');
  const [keyText, setKeyText] = useState<string | null>(null);

  const setKeyList = (list: string[]) => set('key', list.length === 0 ? undefined : list.length === 1 ? list[0] : list);
  const toggleKey = (column: string) => {
    setKeyText(null);
    setKeyList(key.includes(column) ? key.filter((k) => k !== column) : [...key, column]);
  };
  const setMapping = (field: string, column: string) => {
    const next = { ...mapping };
    if (column === '') delete next[field];
    else next[field] = column;
    set('mapping', Object.keys(next).length === 0 ? undefined : next);
  };
  const setRules = (next: Record<string, Rule>) => set('fields', Object.keys(next).length === 0 ? undefined : next);
  const fieldNames = [...new Set([...mappedFields, ...columns])];

  return (
    <div className="wizard-step" data-testid="fields-step">
      <div className="grid">
        <label className="field">
          <span>{t('fields.mode')}</span>
          <select name="mode" value={sync.mode} onChange={(e) => set('mode', e.target.value)}>
            {supported.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
            {others.length > 0 && (
              <optgroup label={t('fields.otherModes')}>
                {others.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
          <span className="muted small">{t(`fields.modeHelp.${sync.mode as SyncMode}` as MessageKey)}</span>
        </label>
        <label className="field">
          <span>{t('sync.key')}</span>
          <input
            name="key"
            value={keyText ?? key.join(', ')}
            onChange={(e) => {
              setKeyText(e.target.value);
              setKeyList(e.target.value.split(',').map((s) => s.trim()).filter(Boolean));
            }}
            onBlur={() => setKeyText(null)}
            placeholder="id"
          />
        </label>
        {sync.mode === 'mirror' && (
          <label className="field">
            <span>{t('fields.onDelete')}</span>
            <select name="on_delete" value={(sync.on_delete as string | undefined) ?? 'delete'} onChange={(e) => set('on_delete', e.target.value === 'delete' ? undefined : e.target.value)}>
              {(['delete', 'clear', 'ignore'] as const).map((o) => (
                <option key={o} value={o}>
                  {t(`fields.onDelete.${o}`)}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>

      {columns.length === 0 && <p className="muted small">{t('fields.previewFirst')}</p>}
      {columns.length > 0 && (
        <div className="field">
          <span>{t('fields.keyHelp')}</span>
          <div className="chips" role="group" aria-label={t('fields.key')}>
            {columns.map((c) => (
              <button type="button" key={c} className={key.includes(c) ? 'chip chip-on' : 'chip'} aria-pressed={key.includes(c)} onClick={() => toggleKey(c)} data-testid={`key-column-${c}`}>
                {c}
              </button>
            ))}
          </div>
        </div>
      )}

      <h3>{t('fields.mapping')}</h3>
      <p className="muted small">{t('fields.mappingHelp')}</p>
      {chosen.some((e) => e.wholeRow) && <p className="muted small">{t('destination.wholeRow')}</p>}
      <table className="table compact mapping-table" data-testid="mapping">
        <thead>
          <tr>
            <th scope="col">{t('fields.destinationField')}</th>
            <th scope="col">{t('fields.sourceColumn')}</th>
          </tr>
        </thead>
        <tbody>
          {mappedFields.map((field) => {
            const missing = !mapping[field] && columns.length > 0 && !columns.includes(field);
            return (
              <tr key={field}>
                <td>
                  <code>{field}</code>
                </td>
                <td>
                  <select aria-label={`${t('fields.sourceColumn')} ${field}`} name={`mapping-${field}`} value={mapping[field] ?? ''} onChange={(e) => setMapping(field, e.target.value)}>
                    <option value="">{t('fields.sameName')}</option>
                    {[...new Set([...columns, ...(mapping[field] ? [mapping[field]] : [])])].map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                  {missing && <div className="warn-text small">{t('fields.missingColumn', { field })}</div>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="actions inline-add">
        <input aria-label={t('fields.extraField')} placeholder={t('fields.extraField')} value={extraField} onChange={(e) => setExtraField(e.target.value)} name="extra-field" />
        <button
          type="button"
          className="small"
          disabled={extraField.trim() === '' || mappedFields.includes(extraField.trim())}
          onClick={() => {
            setMapping(extraField.trim(), columns[0] ?? extraField.trim());
            setExtraField('');
          }}
        >
          + {t('fields.addField')}
        </button>
      </div>

      <h3>{t('fields.rules')}</h3>
      <p className="muted small">{t('fields.rulesHelp')}</p>
      <div className="kv-editor" data-testid="field-rules">
        {Object.entries(rules).map(([field, rule]) => (
          <div className="kv-row rule-row" key={field}>
            <code>{field}</code>
            <div className="actions">
              <select aria-label={`${t('fields.rules')} ${field}`} value={ruleKind(rule)} onChange={(e) => setRules({ ...rules, [field]: ruleOf(e.target.value as RuleKind) })}>
                {(['skipNull', 'onCreate', 'value'] as const).map((k) => (
                  <option key={k} value={k}>
                    {t(`fields.rule.${k}`)}
                  </option>
                ))}
              </select>
              {ruleKind(rule) === 'value' && (
                <input aria-label={`${t('fields.rule.value')} ${field}`} value={rule.value === null || rule.value === undefined ? '' : String(rule.value)} onChange={(e) => setRules({ ...rules, [field]: { value: e.target.value } })} />
              )}
            </div>
            <button
              type="button"
              className="icon-button"
              aria-label={t('common.remove')}
              title={t('common.remove')}
              onClick={() => {
                const next = { ...rules };
                delete next[field];
                setRules(next);
              }}
            >
              ×
            </button>
          </div>
        ))}
        <select
          aria-label={t('fields.addRule')}
          value=""
          onChange={(e) => {
            if (e.target.value) setRules({ ...rules, [e.target.value]: ruleOf('skipNull') });
          }}
        >
          <option value="">+ {t('fields.addRule')}</option>
          {fieldNames
            .filter((f) => !(f in rules))
            .map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
        </select>
      </div>
    </div>
  );
}
