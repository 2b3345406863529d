/** A template that cannot be parsed or rendered; the message names the template's role (`body`, `path`...). */
export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    message: string,
    /** Which template failed: `body`, `path`, `query.email`, `batch.item`, `response.record_id`... */
    readonly role: string,
  ) {
    super(message);
  }
}
