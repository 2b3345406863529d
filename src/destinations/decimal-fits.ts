/**
 * Whether a decimal's text fits DECIMAL(precision, scale) without rounding or overflow
 * (trailing fractional zeros and leading integer zeros do not count). Text that is not a plain
 * decimal number is left for the database to judge (true).
 */
export function decimalFits(text: string, precision: number, scale: number): boolean {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return true;
  const digits = (m[1] ?? '') + (m[2] ?? '');
  // Position of the decimal point within `digits`, after applying the exponent.
  const point = (m[1] ?? '').length + Number(m[3] ?? 0);
  const firstSignificant = digits.search(/[1-9]/);
  if (firstSignificant === -1) return true; // zero fits anything
  const lastSignificant = digits.length - 1 - [...digits].reverse().findIndex((d) => d !== '0');
  const integerDigits = Math.max(0, point - firstSignificant);
  const fractionDigits = Math.max(0, lastSignificant + 1 - point);
  return fractionDigits <= scale && integerDigits <= precision - scale;
}
