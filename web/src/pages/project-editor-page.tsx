import { useEffect, useState } from 'react';
import type { ConfigIssue } from '../../../src/api/config-issue.js';
import type { ProjectText } from '../../../src/api/project-text.js';
import { api } from '../api-client.js';
import { ApiError } from '../api-error.js';
import { AppLink } from '../components/app-link.js';
import { CodeEditor } from '../components/code-editor.js';
import { ErrorBox } from '../components/error-box.js';
import { UnsavedMarker } from '../components/unsaved-marker.js';
import { useI18n } from '../i18n.js';
import { reportProjectLoads } from '../project-validity.js';
import { serverErrorText } from '../server-messages.js';
import { useUnsavedEdits } from '../use-unsaved-edits.js';

/** The connector a spec file is, for a file under a `connectors/` folder (`connectors/hooks.yaml` → hooks). */
const connectorOf = (file: string): string | undefined => /(?:^|[\\/])connectors[\\/]([a-z][a-z0-9_-]*)\.ya?ml$/.exec(file)?.[1];

/**
 * What the UI shows while the project on disk does not load: sluice.yaml in an editor at its first problem, every
 * problem marked in the gutter and listed (each a button to its line), and Save, which writes only a valid file.
 * Once the project loads, the page that was asked for comes back.
 */
export function ProjectEditorPage(props: { issues: ConfigIssue[] }) {
  const { t, lang } = useI18n();
  const [project, setProject] = useState<ProjectText | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [issues, setIssues] = useState<ConfigIssue[]>(props.issues);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [line, setLine] = useState<number | undefined>(undefined);

  const load = () =>
    api<ProjectText>('/api/project')
      .then((p) => {
        if (p.issues.length === 0) return reportProjectLoads();
        setProject(p);
        setText(p.text);
        setIssues(p.issues);
        setLine(p.issues.find((i) => i.file === p.file && i.line !== undefined)?.line);
      })
      .catch(setLoadError);
  useEffect(() => void load(), []);

  const dirty = project !== null && text !== project.text;
  const save = async () => {
    if (text === null || saving) return;
    setSaving(true);
    setSaveError(null);
    try {
      const saved = await api<ProjectText>('/api/project', { method: 'PUT', body: { yaml: text } });
      if (saved.issues.length === 0) reportProjectLoads();
      else {
        setProject(saved);
        setText(saved.text);
        setIssues(saved.issues);
      }
    } catch (e) {
      setSaveError(e);
      if (e instanceof ApiError && e.issues.length > 0) {
        setIssues(e.issues);
        setLine(e.issues.find((i) => i.line !== undefined)?.line);
      }
    } finally {
      setSaving(false);
    }
  };
  useUnsavedEdits(dirty, () => void save());

  const file = project?.file ?? issues[0]?.file ?? 'sluice.yaml';
  const here = issues.filter((i) => i.file === file && i.line !== undefined);
  const adminOnly = loadError instanceof ApiError && loadError.code === 'admin_only';
  const headline = serverErrorText({ message: `${issues.length} configuration issue${issues.length === 1 ? '' : 's'}`, code: 'invalid_project', params: { file, count: issues.length } }, lang);

  return (
    <div className="page" data-testid="project-editor">
      <div className="page-head">
        <h1>{t('project.title', { file })}</h1>
        <div className="actions">
          <UnsavedMarker dirty={dirty} />
          {text !== null && (
            <button type="button" className="primary" onClick={() => void save()} disabled={saving} aria-keyshortcuts="Control+S Meta+S">
              {saving ? t('common.saving') : t('project.save')}
            </button>
          )}
          <button type="button" onClick={() => void load()}>
            {t('project.checkAgain')}
          </button>
        </div>
      </div>
      <p className="muted">{t('project.intro')}</p>
      <div className="error-box" role="alert" data-testid="project-issues">
        <div>{headline}</div>
        <ul>
          {issues.map((issue, i) => (
            <li key={i}>
              {issue.line !== undefined && issue.file === file && text !== null ? (
                <button type="button" className="line-link" onClick={() => setLine(issue.line)} title={t('project.goTo', { line: issue.line })}>
                  <code>
                    {issue.file}:{issue.line}
                    {issue.column !== undefined ? `:${issue.column}` : ''}
                  </code>
                </button>
              ) : connectorOf(issue.file) ? (
                // A connector spec the project uses: fixed in the builder, which opens while the project does not load.
                <AppLink to={`/connectors/${encodeURIComponent(connectorOf(issue.file)!)}`} className="line-link">
                  <code>
                    {issue.file}
                    {issue.line !== undefined ? `:${issue.line}` : ''}
                  </code>
                </AppLink>
              ) : (
                <code>
                  {issue.file}
                  {issue.line !== undefined ? `:${issue.line}` : ''}
                </code>
              )}{' '}
              {issue.path && <code className="muted">{issue.path}</code>} {issue.message}
            </li>
          ))}
        </ul>
      </div>
      {adminOnly ? <div className="notice notice-info">{t('project.adminOnly')}</div> : <ErrorBox error={loadError} />}
      <ErrorBox error={saveError instanceof ApiError && saveError.issues.length > 0 ? null : saveError} testId="save-error" />
      {text !== null && (
        <div className="card">
          <CodeEditor
            label={t('project.editor')}
            language="yaml"
            value={text}
            onChange={setText}
            minLines={20}
            testId="project-yaml"
            problems={here.map((i) => ({ line: i.line!, message: `${i.path ? `${i.path}: ` : ''}${i.message}` }))}
            {...(line !== undefined ? { goToLine: line } : {})}
          />
        </div>
      )}
    </div>
  );
}
