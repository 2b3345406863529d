import { yaml } from '@codemirror/lang-yaml';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorSelection, EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { problemMarks, type EditorProblem } from './editor-problems.js';
import { liquidCompletion, type TemplateHints } from './liquid-completion.js';

/**
 * A CodeMirror 6 editor bound to a string (YAML highlighting, or plain text for Liquid templates): problems marked in
 * the gutter at their lines, the cursor moved to `goToLine` when it changes, and Liquid completion from `templateHints`.
 */
export function CodeEditor(props: {
  value: string;
  onChange: (value: string) => void;
  language?: 'yaml' | 'text';
  label: string;
  testId?: string;
  minLines?: number;
  problems?: EditorProblem[];
  goToLine?: number;
  templateHints?: TemplateHints;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const hints = useRef(props.templateHints);
  hints.current = props.templateHints;
  const problems = useRef(new Compartment());

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          problems.current.of(problemMarks(props.problems ?? [])),
          highlightActiveLine(),
          drawSelection(),
          EditorView.lineWrapping,
          props.language === 'yaml' ? yaml() : [],
          // Read through a ref: the sample rows change while the editor lives.
          props.templateHints ? liquidCompletion(() => hints.current ?? { rowFields: [], filters: [] }) : [],
          syntaxHighlighting(defaultHighlightStyle),
          EditorView.contentAttributes.of({ 'aria-label': props.label }),
          EditorView.theme({ '.cm-content, .cm-gutter': { minHeight: `${(props.minLines ?? 4) * 1.4}em` } }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later values arrive through the effects below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    const doc = editor?.state.doc.toString();
    if (editor && doc !== undefined && doc !== props.value) {
      // Only the part that differs is replaced: the cursor, the selection and an open completion stay where the user
      // is typing when the page hands back its own version of the text (a newline added at the end, a field set).
      let start = 0;
      while (start < doc.length && start < props.value.length && doc[start] === props.value[start]) start++;
      let end = 0;
      while (end < doc.length - start && end < props.value.length - start && doc[doc.length - 1 - end] === props.value[props.value.length - 1 - end]) end++;
      editor.dispatch({ changes: { from: start, to: doc.length - end, insert: props.value.slice(start, props.value.length - end) } });
    }
  }, [props.value]);

  const problemKey = JSON.stringify(props.problems ?? []);
  useEffect(() => {
    view.current?.dispatch({ effects: problems.current.reconfigure(problemMarks(props.problems ?? [])) });
  }, [problemKey]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || props.goToLine === undefined) return;
    const line = editor.state.doc.line(Math.min(Math.max(1, props.goToLine), editor.state.doc.lines));
    editor.dispatch({ selection: EditorSelection.cursor(line.from), effects: EditorView.scrollIntoView(line.from, { y: 'center' }) });
    editor.focus();
  }, [props.goToLine]);

  return <div className="code-editor" ref={host} data-testid={props.testId} />;
}
