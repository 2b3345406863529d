import { RangeSet, type EditorState, type Extension } from '@codemirror/state';
import { Decoration, EditorView, gutter, GutterMarker } from '@codemirror/view';

/** A problem at a 1-based line of an editor's text (a YAML error, a config issue). */
export interface EditorProblem {
  line: number;
  message: string;
}

class ProblemMarker extends GutterMarker {
  constructor(readonly message: string) {
    super();
  }
  override eq(other: ProblemMarker): boolean {
    return other.message === this.message;
  }
  override toDOM(): Node {
    const mark = document.createElement('span');
    mark.className = 'cm-problem-mark';
    mark.textContent = '●';
    // The message as the mark's name, so that it is read out and shown on hover.
    mark.title = this.message;
    mark.setAttribute('role', 'img');
    mark.setAttribute('aria-label', this.message);
    return mark;
  }
}

/** A gutter mark and a tinted line at each problem's line (lines past the end are ignored). */
export function problemMarks(problems: EditorProblem[]): Extension {
  if (problems.length === 0) return [];
  const at = (state: EditorState) => {
    const lines = new Map<number, string[]>();
    for (const p of problems) if (p.line >= 1 && p.line <= state.doc.lines) lines.set(p.line, [...(lines.get(p.line) ?? []), p.message]);
    return [...lines.entries()].sort(([a], [b]) => a - b).map(([line, messages]) => ({ from: state.doc.line(line).from, message: messages.join('\n') }));
  };
  return [
    gutter({
      class: 'cm-problems',
      markers: (view) => RangeSet.of(at(view.state).map((p) => new ProblemMarker(p.message).range(p.from))),
    }),
    EditorView.decorations.compute(['doc'], (state) => Decoration.set(at(state).map((p) => Decoration.line({ class: 'cm-problem-line' }).range(p.from)))),
  ];
}
