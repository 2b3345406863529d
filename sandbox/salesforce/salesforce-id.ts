const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const suffixChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 18-character case-insensitive form of a 15-character Salesforce id (the checksum suffix). */
export function salesforceId18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15[chunk * 5 + i]!;
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += suffixChars[bits];
  }
  return id15 + suffix;
}

/** The n-th 18-character record id of an object with this key prefix (`00Q` for Lead). */
export function salesforceId(prefix: string, n: number): string {
  let digits = '';
  let rest = n;
  do {
    digits = base62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return salesforceId18(`${prefix}5g0${digits.padStart(9, '0')}`);
}
