import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import type { Extension } from '@codemirror/state';

/** What a template field may name: the sample rows' fields (`row.*`) and the filters the server knows. */
export interface TemplateHints {
  rowFields: string[];
  filters: string[];
}

/**
 * Completion inside Liquid output and tags (`{{ … }}`, `{% … %}`): after `row.` the sample rows' fields, after `|`
 * the filter names. Outside a Liquid tag nothing is offered (the rest of a body is the API's own text).
 */
export function liquidCompletion(hints: () => TemplateHints): Extension {
  const source = (context: CompletionContext): CompletionResult | null => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'));
    if (open < 0 || Math.max(before.lastIndexOf('}}'), before.lastIndexOf('%}')) > open) return null;
    const field = context.matchBefore(/\brow\.[\w]*$/);
    if (field) {
      return { from: field.from + 4, options: hints().rowFields.map((name) => ({ label: name, type: 'property', detail: 'row' })), validFor: /^\w*$/ };
    }
    const filter = context.matchBefore(/\|\s*\w*$/);
    if (filter) {
      const word = /\w*$/.exec(filter.text)![0];
      return { from: context.pos - word.length, options: hints().filters.map((name) => ({ label: name, type: 'function', detail: 'filter' })), validFor: /^\w*$/ };
    }
    return null;
  };
  // No interactionDelay (CodeMirror's default ignores Enter for 75 ms after the list opens, so a quick Enter broke the
  // line instead of picking the highlighted option): the list only opens inside an unfinished Liquid tag, where a
  // line break is not what Enter is for.
  return autocompletion({ override: [source], activateOnTyping: true, interactionDelay: 0 });
}
