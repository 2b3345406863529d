import { useEffect, useMemo, useState } from 'react';
import { api } from '../api-client.js';
import type { ConnectorDetail } from '../../../src/api/connectors.js';
import type { ConfigIssue } from '../../../src/api/config-issue.js';
import type { Schemas } from '../../../src/api/schemas.js';
import { DetailHead } from '../components/detail-head.js';
import { CodeEditor } from '../components/code-editor.js';
import { ErrorBox } from '../components/error-box.js';
import { UnsavedMarker } from '../components/unsaved-marker.js';
import { useI18n } from '../i18n.js';
import { readYamlObject } from '../read-yaml-object.js';
import { navigate, useFlash } from '../router.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';
import { useApi } from '../use-api.js';
import { sampleRowFields, TemplateHintsContext } from '../schema/template-hints.js';
import { useUnsavedEdits } from '../use-unsaved-edits.js';
import { ConnectorForm } from './connector-form.js';
import { DEFAULT_ROWS, parseRows, RequestPreviewPanel } from './request-preview-panel.js';

const NEW_CONNECTOR = `name: my_api
title: My API
base_url: https://api.example.com
auth:
  - type: none
endpoints:
  create_record:
    operation: create
    method: POST
    path: /records
    headers:
      Content-Type: application/json
    body: |
      { "name": {{ row.name | json }} }
    response:
      record_id: "{{ response.body.id }}"
`;

/** The connector builder: a form view and a YAML view of one spec, a live request preview, and save. */
export function ConnectorBuilderPage(props: { name: string | null }) {
  const { t } = useI18n();
  const [text, setText] = useState<string | null>(props.name === null ? NEW_CONNECTOR : null);
  // The text as last loaded or saved: the page holds unsaved edits while the editor's text differs from it.
  const [savedText, setSavedText] = useState<string | null>(props.name === null ? NEW_CONNECTOR : null);
  const [file, setFile] = useState<string | undefined>(undefined);
  const [builtin, setBuiltin] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loadAttempt, setLoadAttempt] = useState(0);
  const [view, setView] = useState<'form' | 'yaml'>('form');
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(useFlash());
  const schemas = useApi<Schemas>('/api/schemas');
  // The sample rows live here: the preview renders them and the template fields complete their fields.
  const [rowsText, setRowsText] = useState(DEFAULT_ROWS);
  const [specIssues, setSpecIssues] = useState<ConfigIssue[]>([]);

  useEffect(() => {
    if (props.name === null) return;
    api<ConnectorDetail>(`/api/connectors/${encodeURIComponent(props.name)}`)
      .then((c) => {
        setText(c.yaml);
        setSavedText(c.yaml);
        setFile(c.file);
        setBuiltin(c.builtin === true);
      })
      .catch(setLoadError);
  }, [props.name, loadAttempt]);
  useLoadAgainWhenBack(loadError, () => {
    setLoadError(null);
    setLoadAttempt((n) => n + 1);
  });

  const parsed = useMemo(() => (text === null ? null : readYamlObject(text)), [text]);
  const spec = parsed?.value ?? null;
  const endpoints = spec && spec.endpoints && typeof spec.endpoints === 'object' ? Object.keys(spec.endpoints) : [];

  const dirty = text !== null && text !== savedText;
  const rowFields = useMemo(() => sampleRowFields(parseRows(rowsText).rows), [rowsText]);
  const filters = schemas.data?.filters;
  const hints = useMemo(() => ({ rowFields, filters: filters ?? [] }), [rowFields, filters]);
  // The YAML view marks where the text does not parse, or else where the last render found the spec invalid.
  const problems = parsed?.error
    ? [{ line: parsed.line ?? 1, message: parsed.error }]
    : specIssues.filter((i) => i.line !== undefined).map((i) => ({ line: i.line!, message: `${i.path ? `${i.path}: ` : ''}${i.message}` }));

  const save = async () => {
    if (text === null || !spec || saving) return;
    const name = typeof spec.name === 'string' ? spec.name : '';
    setSaving(true);
    setSaveError(null);
    setSaved(null);
    try {
      const result = await api<{ file?: string } | null>(`/api/connectors/${encodeURIComponent(name)}`, { method: 'PUT', body: { yaml: text } });
      const where = result?.file ?? file ?? name;
      setSaved(where);
      setFile(where);
      setSavedText(text);
      if (name !== props.name) navigate(`/connectors/${encodeURIComponent(name)}`, { replace: true, flash: where, afterSave: true });
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };

  useUnsavedEdits(dirty, () => void save());

  if (loadError || schemas.error) {
    return (
      <div className="page">
        <ErrorBox error={loadError ?? schemas.error} />
      </div>
    );
  }
  if (text === null || !schemas.data) return <div className="page muted">{t('common.loading')}</div>;

  return (
    <div className="page">
      <DetailHead
        back={{ to: '/connectors', label: t('nav.connectors') }}
        title={props.name ?? t('connector.newTitle')}
        actions={
          <>
            {/* Two views of one text, not tabs with panels: a pair of toggle buttons, the pressed one showing. */}
            <div className="segmented" role="group" aria-label={t('connector.view')}>
              <button type="button" aria-pressed={view === 'form'} className={view === 'form' ? 'active' : ''} onClick={() => setView('form')}>
                {t('connector.formView')}
              </button>
              <button type="button" aria-pressed={view === 'yaml'} className={view === 'yaml' ? 'active' : ''} onClick={() => setView('yaml')}>
                {t('connector.yamlView')}
              </button>
            </div>
            <UnsavedMarker dirty={dirty} />
            <button type="button" className="primary" onClick={() => void save()} disabled={saving || !spec} aria-keyshortcuts="Control+S Meta+S">
              {saving ? t('common.saving') : t('common.save')}
            </button>
          </>
        }
      >
        {file && <div className="muted small">{file}</div>}
      </DetailHead>
      {builtin && <div className="notice notice-info">{t('connector.builtinNotice')}</div>}
      <ErrorBox error={saveError} testId="save-error" />
      {saved && !dirty && (
        <div className="notice" role="status" data-testid="saved">
          {t('connector.saved', { file: saved })}
        </div>
      )}
      <TemplateHintsContext.Provider value={hints}>
      <div className="builder">
        <div className="builder-main">
          {view === 'yaml' ? (
            <div className="card">
              <CodeEditor label={t('connector.yamlView')} language="yaml" value={text} onChange={setText} minLines={24} testId="yaml-editor" problems={problems} />
              {parsed?.error && <div className="error-box">{t('connector.yamlInvalid', { error: parsed.error })}</div>}
            </div>
          ) : spec ? (
            <ConnectorForm text={text} spec={spec} schema={schemas.data.connector} onChange={setText} endpoint={endpoint} onSelectEndpoint={setEndpoint} />
          ) : (
            <div className="error-box">{t('connector.yamlInvalid', { error: parsed?.error ?? '' })}</div>
          )}
        </div>
        <RequestPreviewPanel yaml={text} endpoints={endpoints} endpoint={endpoint} onSelectEndpoint={setEndpoint} rowsText={rowsText} onRowsText={setRowsText} onSpecIssues={setSpecIssues} />
      </div>
      </TemplateHintsContext.Provider>
    </div>
  );
}
