/** A place inside a template's text: 1-based line and column. */
export interface TemplatePosition {
  line: number;
  column: number;
}

/** A template that cannot be parsed or rendered; the message names the template's role (`body`, `path`...). */
export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    message: string,
    /** Which template failed: `body`, `path`, `query.email`, `batch.item`, `response.record_id`... */
    readonly role: string,
    /** Where inside the template, when liquidjs says. */
    readonly at?: TemplatePosition,
    /** The message already names the template's file, line and column (see TemplatePlacer). */
    readonly placed = false,
  ) {
    super(message);
  }
}
