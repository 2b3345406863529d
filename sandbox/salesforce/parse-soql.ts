/** A literal in a SOQL condition. */
export type SoqlValue = string | number | boolean | null | { datetime: number };

/** A SOQL WHERE condition. */
export type SoqlCondition =
  | { kind: 'and' | 'or'; left: SoqlCondition; right: SoqlCondition }
  | { kind: 'not'; inner: SoqlCondition }
  | { kind: 'compare'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like'; value: SoqlValue }
  | { kind: 'in'; field: string; negated: boolean; values: SoqlValue[] };

/** A parsed `SELECT fields FROM object [WHERE] [ORDER BY] [LIMIT] [OFFSET]` query. */
export interface SoqlQuery {
  /** Field names as written; empty for `COUNT()`. */
  fields: string[];
  count: boolean;
  object: string;
  where?: SoqlCondition;
  orderBy: { field: string; descending: boolean; nullsLast: boolean }[];
  limit?: number;
  offset?: number;
}

/** A query the parser refused (Salesforce answers 400 MALFORMED_QUERY). */
export class SoqlSyntaxError extends Error {}

type Token = { type: 'word' | 'string' | 'number' | 'datetime' | 'op' | 'punct'; text: string };

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let text = '';
      i++;
      while (i < q.length && q[i] !== "'") {
        if (q[i] === '\\' && i + 1 < q.length) {
          const e = q[i + 1]!;
          text += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
        } else text += q[i++];
      }
      if (i >= q.length) throw new SoqlSyntaxError(`unterminated string literal`);
      i++;
      tokens.push({ type: 'string', text });
      continue;
    }
    const dt = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}))?/.exec(q.slice(i));
    if (dt) {
      tokens.push({ type: 'datetime', text: dt[0] });
      i += dt[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(q.slice(i));
    if (num) {
      tokens.push({ type: 'number', text: num[0] });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(q.slice(i));
    if (word) {
      tokens.push({ type: 'word', text: word[0] });
      i += word[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(q.slice(i));
    if (op) {
      tokens.push({ type: 'op', text: op[0] === '<>' ? '!=' : op[0] });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(c)) {
      tokens.push({ type: 'punct', text: c });
      i++;
      continue;
    }
    throw new SoqlSyntaxError(`unexpected token: '${c}'`);
  }
  return tokens;
}

/** Parses the SOQL subset the sandbox answers. */
export function parseSoql(text: string): SoqlQuery {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (w: string, t = peek()) => t?.type === 'word' && t.text.toUpperCase() === w;
  const fail = (): never => {
    const t = peek();
    throw new SoqlSyntaxError(t ? `unexpected token: '${t.text}'` : 'unexpected end of query');
  };
  const expectWord = (w: string) => {
    if (!isWord(w)) fail();
    pos++;
  };
  const expectPunct = (p: string) => {
    const t = peek();
    if (t?.type !== 'punct' || t.text !== p) fail();
    pos++;
  };
  const identifier = (): string => {
    const t = peek();
    if (t?.type !== 'word') return fail();
    pos++;
    return t.text;
  };
  const value = (): SoqlValue => {
    const t = peek();
    if (!t) return fail();
    pos++;
    if (t.type === 'string') return t.text;
    if (t.type === 'number') return Number(t.text);
    if (t.type === 'datetime') return { datetime: Date.parse(t.text.length === 10 ? `${t.text}T00:00:00Z` : t.text) };
    if (t.type === 'word') {
      const u = t.text.toUpperCase();
      if (u === 'NULL') return null;
      if (u === 'TRUE') return true;
      if (u === 'FALSE') return false;
    }
    pos--;
    return fail();
  };

  const primary = (): SoqlCondition => {
    const t = peek();
    if (t?.type === 'punct' && t.text === '(') {
      pos++;
      const inner = or();
      expectPunct(')');
      return inner;
    }
    if (isWord('NOT')) {
      pos++;
      return { kind: 'not', inner: primary() };
    }
    const field = identifier();
    let negated = false;
    if (isWord('NOT') && isWord('IN', tokens[pos + 1])) {
      negated = true;
      pos++;
    }
    if (isWord('IN')) {
      pos++;
      expectPunct('(');
      const values = [value()];
      while (peek()?.type === 'punct' && peek()!.text === ',') {
        pos++;
        values.push(value());
      }
      expectPunct(')');
      return { kind: 'in', field, negated, values };
    }
    if (isWord('LIKE')) {
      pos++;
      return { kind: 'compare', field, op: 'like', value: value() };
    }
    const op = peek();
    if (op?.type !== 'op') return fail();
    pos++;
    return { kind: 'compare', field, op: op.text as '=', value: value() };
  };
  const and = (): SoqlCondition => {
    let left = primary();
    while (isWord('AND')) {
      pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): SoqlCondition => {
    let left = and();
    while (isWord('OR')) {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const integer = (): number => {
    const t = peek();
    if (t?.type !== 'number' || !/^\d+$/.test(t.text)) return fail();
    pos++;
    return Number(t.text);
  };

  expectWord('SELECT');
  const query: SoqlQuery = { fields: [], count: false, object: '', orderBy: [] };
  if (isWord('COUNT') && tokens[pos + 1]?.text === '(' && tokens[pos + 2]?.text === ')') {
    query.count = true;
    pos += 3;
  } else {
    query.fields.push(identifier());
    while (peek()?.type === 'punct' && peek()!.text === ',') {
      pos++;
      query.fields.push(identifier());
    }
  }
  expectWord('FROM');
  query.object = identifier();
  if (isWord('WHERE')) {
    pos++;
    query.where = or();
  }
  if (isWord('ORDER')) {
    pos++;
    expectWord('BY');
    do {
      if (peek()?.text === ',') pos++;
      const field = identifier();
      let descending = false;
      if (isWord('ASC')) pos++;
      else if (isWord('DESC')) {
        descending = true;
        pos++;
      }
      let nullsLast = descending;
      if (isWord('NULLS')) {
        pos++;
        if (isWord('FIRST')) nullsLast = false;
        else if (isWord('LAST')) nullsLast = true;
        else fail();
        pos++;
      }
      query.orderBy.push({ field, descending, nullsLast });
    } while (peek()?.type === 'punct' && peek()!.text === ',');
  }
  if (isWord('LIMIT')) {
    pos++;
    query.limit = integer();
  }
  if (isWord('OFFSET')) {
    pos++;
    query.offset = integer();
  }
  if (pos < tokens.length) fail();
  return query;
}
