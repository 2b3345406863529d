/** A response as the rest of the engine sees it: body read fully, headers flattened. */
export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  text: string;
  /** Parsed JSON when the content type says JSON and it parses, else the text. */
  body: unknown;
  durationMs: number;
  /** The URL as requested, before auth was applied (so an api key in the query never shows here). */
  url: string;
}
