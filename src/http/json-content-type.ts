const jsonType = /[/+]json\b/i;

/** Whether a Content-Type names JSON: `application/json`, or any `+json` type such as `application/vnd.api+json`. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && jsonType.test(contentType);
}
