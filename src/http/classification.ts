import type { ResponseAction } from './request-policy.js';

/** What a response means, and the API's message (without the status line; the client prefixes it). */
export interface Classification {
  action: ResponseAction;
  message?: string;
}
