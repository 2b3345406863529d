import type { Auth } from '../../http/auth.js';
import { staticAuth } from './static-auth.js';

/** No credential: requests go out as they are. */
export function createNoneAuth(): Auth {
  return staticAuth('none', [], (request) => request);
}
