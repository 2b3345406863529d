import type { JsonSchema } from '../../../src/api/schemas.js';
import { editYamlField } from '../edit-yaml-field.js';
import { useI18n } from '../i18n.js';
import { fieldShape, schemaProperties } from '../schema/field-shape.js';
import { FieldBody, isInline, SchemaField, type YamlPath } from '../schema/schema-field.js';

type Obj = Record<string, unknown>;

/**
 * The form view of a connector spec, drawn from the connector JSON Schema (GET /api/schemas): every key the schema
 * has is a field named by its key with the schema's description as help, so a key added to the zod schema shows here
 * by itself. Every edit rewrites the YAML text (the one source of truth).
 */
export function ConnectorForm(props: {
  text: string;
  spec: Obj;
  schema: JsonSchema;
  onChange: (text: string) => void;
  endpoint: string | null;
  onSelectEndpoint: (name: string | null) => void;
}) {
  const { t } = useI18n();
  const { spec, text, schema } = props;
  const edit = (path: YamlPath, value: unknown) => {
    const [section, endpoint, key] = path;
    const requestKind = path.length === 3 && section === 'endpoints' && key === 'request' && typeof endpoint === 'string';
    props.onChange(requestKind ? switchRequestKind(text, schema, endpoint, value) : editYamlField(text, path, value));
  };
  // `$schema` is for editors, not people.
  const properties = schemaProperties(schema, schema).filter((p) => !p.key.startsWith('$'));
  const inline = properties.filter((p) => isInline(fieldShape(p.schema, schema)));
  const boxes = properties.filter((p) => !isInline(fieldShape(p.schema, schema)));

  return (
    <div className="connector-form">
      <section className="card">
        <h2>{t('connector.general')}</h2>
        <div className="grid">
          {inline.map((p) => (
            <SchemaField key={p.key} name={p.key} schema={p.schema} root={schema} path={[p.key]} value={spec[p.key]} edit={edit} required={p.required} trail={[p.key]} />
          ))}
        </div>
      </section>
      {boxes.map((p) => (
        <details key={p.key} className="card section" open={spec[p.key] !== undefined || p.required}>
          <summary>
            <h2>{p.key}</h2>
          </summary>
          {p.schema.description && <p className="muted help">{p.schema.description}</p>}
          <FieldBody
            name={p.key}
            schema={p.schema}
            root={schema}
            shape={fieldShape(p.schema, schema)}
            path={[p.key]}
            value={spec[p.key]}
            edit={edit}
            trail={[p.key]}
            {...(p.key === 'endpoints' ? { selected: props.endpoint, onSelect: props.onSelectEndpoint } : {})}
          />
        </details>
      ))}
    </div>
  );
}

/**
 * Single ↔ batch: a batch endpoint starts with a working `batch` (the schema's defaults, one JSON item a row, the items
 * as the body); a single one has no `batch`.
 */
function switchRequestKind(text: string, schema: JsonSchema, endpoint: string, kind: unknown): string {
  if (kind === 'batch') {
    const withKind = editYamlField(text, ['endpoints', endpoint, 'request'], 'batch');
    const endpointSchema = schema.properties?.endpoints?.additionalProperties;
    const batchSchema = typeof endpointSchema === 'object' ? endpointSchema.properties?.batch : undefined;
    const defaults = Object.entries(batchSchema?.properties ?? {}).filter(([, s]) => s.default !== undefined);
    return editYamlField(withKind, ['endpoints', endpoint, 'batch'], { ...Object.fromEntries(defaults.map(([k, s]) => [k, s.default])), item: '{{ row | json }}', body: '{{ items }}' });
  }
  return editYamlField(editYamlField(text, ['endpoints', endpoint, 'batch'], undefined), ['endpoints', endpoint, 'request'], undefined);
}
