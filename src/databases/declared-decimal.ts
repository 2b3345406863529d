/** The precision and scale a type declares (`numeric(12,2)`, `DECIMAL(38)`), or null when it declares none. */
export function declaredDecimal(nativeType: string): { precision: number; scale: number } | null {
  const m = /(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/i.exec(nativeType);
  return m ? { precision: Number(m[1]), scale: Number(m[2] ?? 0) } : null;
}
