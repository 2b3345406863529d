/** An error a route answers with its own status code and message (404 unknown name, 409 already running...). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
