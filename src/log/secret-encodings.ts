/**
 * Every form a secret takes on its way out of Sluice, so the redactor can find it in any text: raw; percent-encoded
 * (encodeURIComponent, the looser encodeURI, URLSearchParams and form `+` for space, and what the URL parser writes
 * in a path, query, fragment or user info); JSON-escaped (as JavaScript, Python, PHP and Go write a string literal,
 * and escaped twice for JSON inside JSON); base64 (standard and URL alphabets, alone and at each of the three
 * alignments it can have inside a longer base64 text).
 */
export function secretEncodings(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const add = (form: string | undefined): void => {
    if (form) forms.add(form);
  };
  const component = percentEncode(secret, encodeURIComponent);
  add(component);
  add(component.replace(/%20/g, '+'));
  add(percentEncode(secret, encodeURI));
  add(new URLSearchParams([['', secret]]).toString().slice(1));
  for (const part of urlParserForms(secret)) add(part);
  for (const form of jsonForms(secret)) add(form);
  for (const form of base64Forms(secret)) add(form);
  return [...forms];
}

/** Shorter than this, a piece of a secret's base64 could stand for ordinary text: only whole encodings are kept. */
const MIN_BASE64_PIECE = 8;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** An encodeURI function that never throws: a lone surrogate becomes U+FFFD, as a UTF-8 encoder sends it. */
function percentEncode(text: string, encode: (text: string) => string): string {
  try {
    return encode(text);
  } catch {
    return encode(text.replace(loneSurrogate, '\uFFFD'));
  }
}

/** The secret as the URL parser writes it in each part of a URL (each part has its own set of escaped characters). */
function urlParserForms(secret: string): string[] {
  const forms: string[] = [];
  try {
    const url = new URL('http://h/');
    url.search = secret;
    forms.push(url.search.slice(1));
    url.hash = secret;
    forms.push(url.hash.slice(1));
    url.password = secret;
    forms.push(url.password);
    url.pathname = secret;
    forms.push(url.pathname.slice(1));
  } catch {
    // A secret the URL parser refuses never travels in a URL.
  }
  return forms;
}

const unicodeEscape = (c: string, upper: boolean): string => {
  const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
};

/** The secret inside a JSON string literal, as the common serializers escape it. */
function jsonForms(secret: string): string[] {
  const js = JSON.stringify(secret).slice(1, -1);
  const ascii = (upper: boolean) => js.replace(/[\u007f-\uffff]/g, (c) => unicodeEscape(c, upper));
  return [
    js, // JavaScript, and most serializers
    ascii(false), // Python json.dumps
    ascii(true), // Java and .NET escapers
    ascii(false).replace(/\//g, '\\/'), // PHP json_encode
    js.replace(/[<>&\u2028\u2029]/g, (c) => unicodeEscape(c, false)), // Go encoding/json
    JSON.stringify(js).slice(1, -1), // a JSON text kept as a string inside JSON
  ];
}

/** The secret's UTF-8 bytes in base64: whole, and the part that is the same wherever it sits in a longer text. */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [bytes.toString('base64'), bytes.toString('base64url')];
  for (let offset = 0; offset < 3; offset++) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // A base64 character carries 6 bits: keep only those made entirely of the secret's own bits.
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const piece = shifted.slice(first, end);
    if (piece.length < MIN_BASE64_PIECE) continue;
    forms.push(piece, piece.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}
