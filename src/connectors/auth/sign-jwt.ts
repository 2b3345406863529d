import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** The JWS algorithms Sluice signs with (RFC 7518 §3.1): RSA PKCS#1 v1.5 or ECDSA P-256, both with SHA-256. */
export type JwtAlgorithm = 'RS256' | 'ES256';

/** The key type each algorithm needs, as node:crypto names it. */
const keyTypes: Record<JwtAlgorithm, string> = { RS256: 'rsa', ES256: 'ec' };

/**
 * A private key read from PEM text, checked to fit the algorithm; the reason in plain words when it does not.
 * The key's text is never part of the reason (it may be most of a key with one line wrong).
 */
export function readPrivateKey(pem: string, algorithm: JwtAlgorithm): KeyObject | { problem: string } {
  // Keys pasted into environment variables often carry literal "\n" instead of line breaks (Google's JSON keys do).
  const text = pem.includes('-----BEGIN') && !pem.includes('\n') ? pem.replace(/\\n/g, '\n') : pem;
  if (!/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
    return { problem: 'it is not a PEM private key (expected text starting with -----BEGIN PRIVATE KEY-----)' };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ERR_MISSING_PASSPHRASE' ? 'it is encrypted (give the key without a passphrase)' : 'it could not be read as a PEM private key';
    return { problem: why };
  }
  const expected = keyTypes[algorithm];
  if (key.asymmetricKeyType !== expected) {
    return { problem: `${algorithm} needs ${expected === 'rsa' ? 'an RSA' : 'an EC (P-256)'} key, this one is ${key.asymmetricKeyType ?? 'of another type'}` };
  }
  if (algorithm === 'ES256' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return { problem: `ES256 needs a P-256 key, this one is on ${key.asymmetricKeyDetails?.namedCurve ?? 'another curve'}` };
  }
  return key;
}

/**
 * A signed compact JWT (RFC 7519): base64url(header).base64url(claims).base64url(signature). ES256 signatures are
 * the raw r||s pair JWS requires (RFC 7518 §3.4), not the DER node:crypto writes by default.
 */
export function signJwt(options: { algorithm: JwtAlgorithm; key: KeyObject | string; claims: Record<string, unknown>; keyId?: string }): string {
  const header = { alg: options.algorithm, typ: 'JWT', ...(options.keyId ? { kid: options.keyId } : {}) };
  const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(options.claims)}`;
  const key = typeof options.key === 'string' ? createPrivateKey(options.key) : options.key;
  const signer = options.algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), signer).toString('base64url')}`;
}
