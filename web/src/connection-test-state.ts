import type { ConnectionTestResult } from '../../src/api/connections.js';

/** How a connection test ended: credentials verified, reachable with credentials not verified, or failed. */
export type ConnectionTestState = 'ok' | 'unverified' | 'failed';

/** The state of a test result, its sign and the class that colours it (amber, not green, when not verified). */
export function connectionTestState(result: ConnectionTestResult): { state: ConnectionTestState; sign: string; className: string } {
  if (!result.ok) return { state: 'failed', sign: '✗', className: 'error-text' };
  if (!result.verified) return { state: 'unverified', sign: '⚠', className: 'warn-text' };
  return { state: 'ok', sign: '✓', className: 'ok-text' };
}
