import { useState } from 'react';
import { stringify } from 'yaml';
import type { DraftContext } from '../../../../src/api/sync-drafts.js';
import { DetailHead } from '../../components/detail-head.js';
import { ErrorBox } from '../../components/error-box.js';
import { UnsavedMarker } from '../../components/unsaved-marker.js';
import { useI18n, type MessageKey } from '../../i18n.js';
import { navigate } from '../../router.js';
import { useApi } from '../../use-api.js';
import { useUnsavedEdits } from '../../use-unsaved-edits.js';
import { ResultsAndAlerts } from '../sync-results/results-and-alerts.js';
import { DestinationStep } from './destination-step.js';
import { FieldsStep } from './fields-step.js';
import { ScheduleStep } from './schedule-step.js';
import { SourceStep } from './source-step.js';
import { SyncPreviewView, type PreviewState } from './sync-preview-view.js';
import { keyColumns, previewDraft, sampleDraft, saveDraft, setPaused, useDestinationOptions, type SampleState, type SyncDraft } from './sync-draft.js';

const STEPS = ['source', 'destination', 'fields', 'schedule', 'review'] as const;
type Step = (typeof STEPS)[number];
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;

const EMPTY: SyncDraft = { sync: { from: { connection: '', sql: '' }, to: { connection: '' }, mode: 'insert' }, sqlFile: null };

/** The sync as sluice.yaml will hold it: a query kept in a file is named by its path. */
const asSaved = (d: SyncDraft) => (d.sqlFile && d.sync.from.sql !== undefined ? { ...d.sync, from: { ...d.sync.from, sql: d.sqlFile } } : d.sync);

/** The SQL file a new sync's query goes to when the project keeps its SQL in files: `<folder>/<name>.sql`. */
const sqlFileFor = (folder: string | null | undefined, name: string) => (folder === null || folder === undefined ? null : `${folder ? `${folder}/` : ''}${name}.sql`);

/**
 * "New sync": a step at a time, source (with its first rows), destination, key and fields, schedule and errors, then
 * a preview of these very settings and Save, which writes the sync into sluice.yaml (and its SQL into its file).
 */
export function SyncWizardPage() {
  const { t } = useI18n();
  const context = useApi<DraftContext>('/api/sync-drafts/context');
  const [name, setName] = useState('');
  const [draft, setDraft] = useState<SyncDraft>(EMPTY);
  const [step, setStep] = useState<Step>('source');
  const [sample, setSample] = useState<SampleState>({ loading: false, result: null, error: null });
  const [preview, setPreview] = useState<PreviewState>({ loading: false, result: null, error: null });
  const [paused, setPausedChoice] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [stepError, setStepError] = useState<string | null>(null);
  const options = useDestinationOptions(draft.sync.to.connection || undefined);
  const dirty = name !== '' || JSON.stringify(draft) !== JSON.stringify(EMPTY);
  const withFile = (d: SyncDraft): SyncDraft => ({ ...d, sqlFile: d.sync.from.sql !== undefined ? sqlFileFor(context.data?.sqlFolder, name) : null });

  const change = (next: SyncDraft) => {
    setDraft(next);
    setStepError(null);
    setSaveError(null);
    setPreview({ loading: false, result: null, error: null });
  };

  const loadSample = async () => {
    setSample({ loading: true, result: null, error: null });
    try {
      setSample({ loading: false, result: await sampleDraft(draft), error: null });
    } catch (e) {
      setSample({ loading: false, result: null, error: e });
    }
  };

  const runPreview = async () => {
    setPreview({ loading: true, result: null, error: null });
    try {
      setPreview({ loading: false, result: await previewDraft(name || 'new_sync', draft), error: null });
    } catch (e) {
      setPreview({ loading: false, result: null, error: e });
    }
  };

  const save = async () => {
    if (saving) return;
    if (!NAME.test(name)) return setSaveError(new Error(t('wizard.needsName')));
    setSaving(true);
    setSaveError(null);
    try {
      await saveDraft(name, withFile(draft), true);
      if (paused && (draft.sync.schedule ?? '').trim() !== '') await setPaused(name, true);
      navigate(`/syncs/${encodeURIComponent(name)}`, { afterSave: true, flash: t('wizard.created', { name }) });
    } catch (e) {
      setSaveError(e);
      setSaving(false);
    }
  };
  useUnsavedEdits(dirty && !saving, () => void save());

  /** Why the current step is not done, or null. */
  const problem = (): MessageKey | null => {
    const { from, to, mode } = draft.sync;
    if (step === 'source') {
      if (!NAME.test(name)) return 'wizard.needsName';
      if (!from.connection || (from.sql ?? from.table ?? from.stream ?? '').trim() === '') return 'wizard.needsSource';
    }
    const named = to.endpoints ? Object.keys(to.endpoints).length > 0 : (to.endpoint ?? to.table ?? '') !== '';
    if (step === 'destination' && (!to.connection || !named)) return 'wizard.needsDestination';
    if (step === 'fields' && mode !== 'append' && keyColumns(draft.sync).length === 0) return 'wizard.needsKey';
    return null;
  };
  const index = STEPS.indexOf(step);
  const next = () => {
    const p = problem();
    if (p) return setStepError(t(p, { mode: draft.sync.mode }));
    setStepError(null);
    if (step === 'source' && !sample.result && !sample.loading) void loadSample();
    setStep(STEPS[index + 1]!);
  };

  return (
    <div className="page" data-testid="sync-wizard">
      <DetailHead back={{ to: '/syncs', label: t('nav.syncs') }} title={t('wizard.title')} actions={<UnsavedMarker dirty={dirty} />} />
      <ol className="wizard-steps" aria-label={t('wizard.stepOf', { n: index + 1, total: STEPS.length })}>
        {STEPS.map((s, i) => (
          <li key={s} className={s === step ? 'current' : i < index ? 'done' : ''} aria-current={s === step ? 'step' : undefined}>
            <span className="wizard-step-number">{i + 1}</span> {t(`wizard.step.${s}`)}
          </li>
        ))}
      </ol>
      <ErrorBox error={context.error} />
      <section className="card">
        <h2>
          {t(`wizard.step.${step}`)} <span className="muted small">{t('wizard.stepOf', { n: index + 1, total: STEPS.length })}</span>
        </h2>
        {step === 'source' && (
          <>
            <label className="field">
              <span>{t('wizard.name')}</span>
              <input name="sync-name" value={name} onChange={(e) => setName(e.target.value.trim())} placeholder="contacts_to_crm" maxLength={100} />
              <span className="muted small">{t('wizard.nameHelp')}</span>
            </label>
            <SourceStep draft={draft} onChange={change} sample={sample} onSample={() => void loadSample()} />
          </>
        )}
        {step === 'destination' && <DestinationStep draft={draft} onChange={change} options={options} />}
        {step === 'fields' && <FieldsStep draft={draft} onChange={change} options={options} sample={sample} />}
        {step === 'schedule' && <ScheduleStep draft={draft} onChange={change} paused={paused} onPaused={setPausedChoice} />}
        {step === 'review' && (
          <div className="wizard-step" data-testid="review-step">
            <h3>{t('results.title')}</h3>
            <ResultsAndAlerts name={name} draft={draft} onChange={change} saveError={saveError} />
            <p className="muted small">{t('draft.previewHint')}</p>
            <pre className="code" data-testid="review-yaml">{stringify({ syncs: { [name]: asSaved(withFile(draft)) } })}</pre>
            {withFile(draft).sqlFile && <p className="muted small">{t('source.sqlFile', { file: withFile(draft).sqlFile! })}</p>}
          </div>
        )}
        {stepError && (
          <p className="error-text" role="alert" data-testid="step-error">
            {stepError}
          </p>
        )}
        <div className="wizard-nav actions">
          {index > 0 && (
            <button type="button" onClick={() => setStep(STEPS[index - 1]!)}>
              {t('wizard.back')}
            </button>
          )}
          {step !== 'review' && (
            <button type="button" className="primary" onClick={next} data-testid="wizard-next">
              {t('wizard.next')}
            </button>
          )}
          {step === 'review' && (
            <>
              <button type="button" onClick={() => void runPreview()} disabled={preview.loading} data-testid="preview-button">
                {preview.loading ? t('sync.previewing') : t('draft.preview')}
              </button>
              <button type="button" className="primary" onClick={() => void save()} disabled={saving} aria-keyshortcuts="Control+S Meta+S" data-testid="save-button">
                {saving ? t('common.saving') : t('wizard.saveSync')}
              </button>
            </>
          )}
        </div>
        <ErrorBox error={saveError} testId="save-error" />
      </section>
      {step === 'review' && <SyncPreviewView preview={preview} />}
    </div>
  );
}
