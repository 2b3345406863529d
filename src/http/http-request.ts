/** An HTTP request about to be sent: absolute URL, headers, and the body as rendered text or its UTF-8 bytes. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Text as rendered; bytes once it is on its way (see `moveBodyToBytes`). */
  body?: string | Uint8Array | null;
}
