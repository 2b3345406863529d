import { useEffect, useId, useState, type ReactNode } from 'react';
import type { JsonSchema } from '../../../src/api/schemas.js';
import { CodeEditor } from '../components/code-editor.js';
import { EntryTabs, entryPanelId, entryTabId } from '../components/entry-tabs.js';
import { KeyValueEditor } from '../components/key-value-editor.js';
import { useI18n } from '../i18n.js';
import { useTemplateHints } from './template-hints.js';
import { fieldShape, initialValue, resolveSchema, schemaProperties, type FieldShape, type SchemaProperty } from './field-shape.js';

type Obj = Record<string, unknown>;
export type YamlPath = (string | number)[];

/** Writes one value at a path of the YAML text (undefined removes the key). */
export type EditField = (path: YamlPath, value: unknown) => void;

// Liquid templates that usually span lines get a code editor; every other text is one line.
const multilineKeys = new Set(['body', 'item']);

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v, null, 2) : String(v));
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** What every field takes: its key, schema, place in the YAML and value, and how to write it. */
interface FieldProps {
  name: string;
  schema: JsonSchema;
  root: JsonSchema;
  path: YamlPath;
  value: unknown;
  edit: EditField;
  required?: boolean;
  /** The keys from the nearest entry down, naming code editors' test ids (`body-editor`, `batch-item-editor`). */
  trail: string[];
}

/** Whether a shape edits in one line of a grid (a scalar), rather than in a box of its own. */
export function isInline(shape: FieldShape): boolean {
  return ['text', 'number', 'boolean', 'select', 'scalar', 'list', 'textOrObject'].includes(shape.kind);
}

/** A field's name and help (the schema's description) around its control, wide when it has help to read. */
function Labeled(props: { name: string; help?: string; wide?: boolean; children: (ids: { labelId: string; helpId?: string }) => ReactNode }) {
  const id = useId();
  const helpId = props.help ? `${id}-help` : undefined;
  return (
    <div className={props.wide || props.help ? 'field wide' : 'field'}>
      <span id={`${id}-label`}>{props.name}</span>
      {props.children({ labelId: `${id}-label`, helpId })}
      {props.help && (
        <small id={helpId} className="muted">
          {props.help}
        </small>
      )}
    </div>
  );
}

/** One key of a schema as a form field: a control for a scalar, a box (closed while the key is unset) for the rest. */
export function SchemaField(props: FieldProps) {
  const shape = fieldShape(props.schema, props.root);
  const schema = resolveSchema(props.schema, props.root);
  if (isInline(shape)) return <InlineField {...props} shape={shape} />;
  return (
    <details className="group" open={props.value !== undefined}>
      <summary>{props.name}</summary>
      {schema.description && <small className="muted help">{schema.description}</small>}
      <FieldBody {...props} shape={shape} />
    </details>
  );
}

/** The control of a box-shaped field (group, entries, variants, items, map, JSON), without its name. */
export function FieldBody(props: FieldProps & { shape: FieldShape; selected?: string | null; onSelect?: (name: string | null) => void }) {
  const { t } = useI18n();
  const { shape, path, edit, root } = props;
  switch (shape.kind) {
    case 'group':
      return <PropertyFields properties={shape.properties} root={root} path={path} value={props.value} edit={edit} trail={props.trail} />;
    case 'variants':
      return <VariantFields {...props} shape={shape} />;
    case 'entries':
      return <EntriesField {...props} entry={shape.entry} />;
    case 'items':
      return <ItemsField {...props} item={shape.item} />;
    case 'map':
      return <KeyValueEditor value={obj(props.value)} onChange={(v) => edit(path, v)} keyLabel={t('schema.key')} valueLabel={t('schema.value')} testId={props.name} />;
    default:
      return <JsonField {...props} />;
  }
}

/** The keys of an object: one-line fields in a grid, then the boxes. */
export function PropertyFields(props: { properties: SchemaProperty[]; root: JsonSchema; path: YamlPath; value: unknown; edit: EditField; trail: string[] }) {
  const value = obj(props.value);
  const fields = (inline: boolean) =>
    props.properties
      .filter((p) => isInline(fieldShape(p.schema, props.root)) === inline)
      .map((p) => (
        <SchemaField key={p.key} name={p.key} schema={p.schema} root={props.root} path={[...props.path, p.key]} value={value[p.key]} edit={props.edit} required={p.required} trail={[...props.trail, p.key]} />
      ));
  return (
    <>
      <div className="grid">{fields(true)}</div>
      {fields(false)}
    </>
  );
}

function InlineField(props: FieldProps & { shape: FieldShape }) {
  const { shape, path, edit, name } = props;
  const schema = resolveSchema(props.schema, props.root);
  const fallback = schema.default;
  const placeholder = fallback === undefined || typeof fallback === 'object' ? undefined : String(fallback);
  const code = multilineKeys.has(name) && (shape.kind === 'text' || shape.kind === 'textOrObject');
  const hints = useTemplateHints();
  return (
    <Labeled name={name} help={schema.description} wide={code || shape.kind === 'list'}>
      {({ labelId, helpId }) => {
        const aria = { 'aria-labelledby': labelId, 'aria-describedby': helpId };
        if (code) {
          return (
            <CodeEditor
              label={name}
              value={str(props.value)}
              onChange={(v) => edit(path, v)}
              minLines={name === 'body' && props.trail.length === 1 ? 5 : 3}
              testId={`${props.trail.join('-')}-editor`}
              {...(hints ? { templateHints: hints } : {})}
            />
          );
        }
        switch (shape.kind) {
          case 'select': {
            const blank = !props.required && fallback === undefined;
            return <EnumSelect name={name} aria={aria} options={shape.options} value={props.value ?? fallback} blank={blank} onChange={(v) => edit(path, v)} />;
          }
          case 'boolean': {
            const checked = props.value === undefined ? fallback === true : props.value === true;
            return <input type="checkbox" name={name} {...aria} checked={checked} onChange={(e) => edit(path, e.target.checked === (fallback ?? false) ? undefined : e.target.checked)} />;
          }
          case 'number':
            return (
              <input
                type="number"
                name={name}
                {...aria}
                min={schema.minimum}
                step={shape.integer ? 1 : 'any'}
                placeholder={placeholder}
                value={str(props.value)}
                onChange={(e) => edit(path, e.target.value === '' ? undefined : Number(e.target.value))}
              />
            );
          case 'list':
            return <ListInput name={name} aria={aria} value={props.value} numeric={shape.numeric} single={shape.single} onChange={(v) => edit(path, v)} />;
          case 'scalar':
            return <input name={name} {...aria} placeholder={placeholder} value={str(props.value)} onChange={(e) => edit(path, typedScalar(e.target.value, shape.types))} />;
          default:
            return <input name={name} {...aria} placeholder={placeholder} value={str(props.value)} onChange={(e) => edit(path, e.target.value)} />;
        }
      }}
    </Labeled>
  );
}

/**
 * A select of an enum. A value the YAML holds that is none of the options shows as itself, marked invalid with the
 * options named (a select would otherwise show its first option, `POSTT` as GET, and hide the mistake).
 */
function EnumSelect(props: { name: string; aria: { 'aria-labelledby': string; 'aria-describedby'?: string | undefined }; options: string[]; value: unknown; blank: boolean; onChange: (value: string | undefined) => void }) {
  const { t } = useI18n();
  const errorId = useId();
  const value = props.value === undefined ? '' : str(props.value);
  const invalid = props.value !== undefined && !props.options.includes(value);
  const describedBy = [props.aria['aria-describedby'], invalid ? errorId : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <select
        name={props.name}
        aria-labelledby={props.aria['aria-labelledby']}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        className={invalid ? 'select-invalid' : undefined}
        value={value}
        onChange={(e) => props.onChange(e.target.value === '' ? undefined : e.target.value)}
      >
        {(props.blank || props.value === undefined) && <option value="">—</option>}
        {invalid && (
          <option value={value} disabled>
            {value}
          </option>
        )}
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      {invalid && (
        <small id={errorId} className="error-text" data-testid="invalid-value">
          {t('schema.invalidValue', { value, name: props.name, options: props.options.join(', ') })}
        </small>
      )}
    </>
  );
}

/** Text typed into a field that takes several scalar types, as the type it reads as (`100` a number, `true` a boolean). */
function typedScalar(text: string, types: string[]): unknown {
  if (text === '') return undefined;
  if ((types.includes('number') || types.includes('integer')) && /^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** A list of scalars typed as words (scopes, status codes); kept as typed while the words read the same. */
function ListInput(props: { name: string; aria: object; value: unknown; numeric: boolean; single: boolean; onChange: (value: unknown) => void }) {
  const shown = Array.isArray(props.value) ? props.value.map(str).join(' ') : str(props.value);
  const [text, setText] = useState(shown);
  useEffect(() => setText((current) => (current.trim().split(/[\s,]+/).join(' ') === shown ? current : shown)), [shown]);
  const change = (next: string) => {
    setText(next);
    const words = next.split(/[\s,]+/).filter(Boolean);
    const items = props.numeric ? words.map((w) => (Number.isNaN(Number(w)) ? w : Number(w))) : words;
    props.onChange(items.length === 0 ? undefined : props.single && items.length === 1 ? items[0] : items);
  };
  return <input name={props.name} {...props.aria} value={text} onChange={(e) => change(e.target.value)} />;
}

/** An object that is one of several kinds told apart by a constant key (`type`): the kind, then that kind's keys. */
function VariantFields(props: FieldProps & { shape: Extract<FieldShape, { kind: 'variants' }> }) {
  const { shape, path, edit, root } = props;
  const value = obj(props.value);
  // A kind the YAML names that is none of the schema's shows as itself, marked invalid, with no kind's keys.
  const named = value[shape.tag];
  const current = named === undefined ? shape.variants[0] : shape.variants.find((v) => v.value === named);
  const rest = current ? schemaProperties(current.schema, root).filter((p) => p.key !== shape.tag) : [];
  const choose = (kind: string | undefined) => {
    const variant = shape.variants.find((v) => v.value === kind);
    if (variant) edit(path, initialValue(variant.schema, root));
  };
  return (
    <div className="grid">
      <Labeled name={shape.tag}>
        {({ labelId }) => <EnumSelect name={shape.tag} aria={{ 'aria-labelledby': labelId }} options={shape.variants.map((v) => v.value)} value={current ? current.value : named} blank={false} onChange={choose} />}
      </Labeled>
      <div className="wide">
        <PropertyFields properties={rest} root={root} path={path} value={value} edit={edit} trail={props.trail} />
      </div>
    </div>
  );
}

/** A map of named objects (endpoints, streams): a tab a name, the selected one's keys, add and remove. */
function EntriesField(props: FieldProps & { entry: JsonSchema; selected?: string | null; onSelect?: (name: string | null) => void }) {
  const { t } = useI18n();
  const { path, edit, root } = props;
  const [own, setOwn] = useState<string | null>(null);
  const [newName, setNewName] = useState('');
  const entries = obj(props.value);
  const names = Object.keys(entries);
  const wanted = props.onSelect ? props.selected : own;
  const selected = wanted && names.includes(wanted) ? wanted : (names[0] ?? null);
  const select = props.onSelect ?? setOwn;
  const idPrefix = path.join('-');
  const add = () => {
    const name = newName.trim();
    if (!/^[A-Za-z_][\w-]*$/.test(name) || names.includes(name)) return;
    edit([...path, name], initialValue(props.entry, root));
    setNewName('');
    select(name);
  };
  return (
    <>
      <div className="tabs">
        <EntryTabs label={props.name} idPrefix={idPrefix} names={names} selected={selected} onSelect={select} />
        <span className="tab-add">
          <input aria-label={t('schema.newEntry', { what: props.name })} placeholder={t('schema.newEntry', { what: props.name })} value={newName} onChange={(e) => setNewName(e.target.value)} />
          <button type="button" className="small" onClick={add} disabled={!newName.trim()}>
            + {t('schema.add')}
          </button>
        </span>
      </div>
      {selected === null ? (
        <p className="muted">{t('schema.noEntry')}</p>
      ) : (
        <div className="entry" data-testid={`${props.name.replace(/s$/, '')}-form`} role="tabpanel" id={entryPanelId(idPrefix)} aria-labelledby={entryTabId(idPrefix, names.indexOf(selected))}>
          <FieldBody {...props} name={selected} schema={props.entry} shape={fieldShape(props.entry, root)} path={[...path, selected]} value={entries[selected]} trail={[]} />
          <button
            type="button"
            className="danger small"
            onClick={() => {
              edit([...path, selected], undefined);
              select(null);
            }}
          >
            {t('schema.removeEntry', { name: selected })}
          </button>
        </div>
      )}
    </>
  );
}

/**
 * A list of objects (auth kinds, response rules), each with its keys and a remove button. An edit writes the whole list,
 * so a single object the YAML holds alone (`auth: { type: none }`) becomes a list of one.
 */
function ItemsField(props: FieldProps & { item: JsonSchema }) {
  const { t } = useI18n();
  const { path, edit, root } = props;
  const items = Array.isArray(props.value) ? props.value : props.value === undefined ? [] : [props.value];
  const write = (next: unknown[]) => edit(path, next.length === 0 ? undefined : next);
  const shape = fieldShape(props.item, root);
  return (
    <>
      {items.map((item, i) => (
        <div className="list-item" key={i} data-testid={`${props.name}-${i}`}>
          <FieldBody
            {...props}
            name={`${props.name}[${i}]`}
            schema={props.item}
            shape={shape}
            path={[...path, i]}
            value={item}
            edit={(at, value) => write(items.map((x, j) => (j === i ? withKey(x, at.slice(path.length + 1), value) : x)))}
          />
          <button type="button" className="icon-button align-end" aria-label={t('common.remove')} title={t('common.remove')} onClick={() => write(items.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="small" onClick={() => write([...items, initialValue(props.item, root)])}>
        + {t('schema.add')}
      </button>
    </>
  );
}

/** A copy of an object with one nested key set (undefined or '' removes it), for an item the YAML holds alone. */
function withKey(value: unknown, at: YamlPath, next: unknown): unknown {
  const [key, ...rest] = at;
  if (key === undefined) return next;
  const copy: Obj = { ...obj(value) };
  const inner = rest.length === 0 ? next : withKey(copy[key], rest, next);
  if (inner === undefined || inner === '') delete copy[key];
  else copy[key] = inner;
  return copy;
}

/** Anything the shapes above do not cover, as JSON text (written once it parses). */
function JsonField(props: FieldProps) {
  const shown = props.value === undefined ? '' : JSON.stringify(props.value, null, 2);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  return (
    <textarea
      name={props.name}
      aria-label={props.name}
      rows={Math.min(10, text.split('\n').length + 1)}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        try {
          props.edit(props.path, e.target.value.trim() === '' ? undefined : JSON.parse(e.target.value));
        } catch {
          // not JSON yet: keep typing
        }
      }}
    />
  );
}
