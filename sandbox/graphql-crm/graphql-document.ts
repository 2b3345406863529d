// A small reader of GraphQL documents (October 2021 spec, the part a CRM client sends): one operation, its variable
// definitions, fields with arguments, aliases and nested selections. Fragments and directives are refused with the
// message a server gives for what it does not support, so a connector that relies on them fails loudly here too.

/** A field of a selection set: `alias: name(arg: $var, other: 3) { ...selection }`. */
export interface FieldNode {
  alias?: string;
  name: string;
  arguments: Record<string, ValueNode>;
  selection: FieldNode[] | null;
}

/** An argument value: a variable reference, or a literal (string, number, boolean, null, enum, list, object). */
export type ValueNode = { variable: string } | { literal: unknown };

export interface OperationNode {
  type: 'query' | 'mutation';
  name?: string;
  /** Declared variables and their default values (as literals), by name without `$`. */
  variables: Record<string, { type: string; default?: unknown }>;
  selection: FieldNode[];
}

/** A document GraphQL refuses before execution (a syntax error); its message names where. */
export class GraphQLSyntaxError extends Error {}

type Token = { kind: 'punct' | 'name' | 'string' | 'number' | 'variable'; value: string; at: number };

const MAX_DOCUMENT_CHARS = 100_000;
const MAX_DEPTH = 20;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|,|#[^\n]*|(\.\.\.|[{}()[\]:!=@|&])|\$([_A-Za-z][_0-9A-Za-z]*)|([_A-Za-z][_0-9A-Za-z]*)|("(?:[^"\\\n]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new GraphQLSyntaxError(`Syntax Error: Unexpected character "${text[at]}" at position ${at}.`);
    if (m[1]) tokens.push({ kind: 'punct', value: m[1], at });
    else if (m[2]) tokens.push({ kind: 'variable', value: m[2], at });
    else if (m[3]) tokens.push({ kind: 'name', value: m[3], at });
    else if (m[4]) tokens.push({ kind: 'string', value: JSON.parse(m[4]) as string, at });
    else if (m[5]) tokens.push({ kind: 'number', value: m[5], at });
    at = re.lastIndex;
  }
  return tokens;
}

/** Parses a document holding one operation (the shorthand `{ ... }` is a query). */
export function parseOperation(text: string): OperationNode {
  if (text.length > MAX_DOCUMENT_CHARS) throw new GraphQLSyntaxError(`Syntax Error: the document is longer than ${MAX_DOCUMENT_CHARS} characters.`);
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    const t = peek();
    throw new GraphQLSyntaxError(t ? `Syntax Error: Expected ${what}, found "${t.value}" at position ${t.at}.` : `Syntax Error: Expected ${what}, found <EOF>.`);
  };
  const take = (kind: Token['kind'], value?: string): Token => {
    const t = peek();
    if (!t || t.kind !== kind || (value !== undefined && t.value !== value)) return fail(value ?? kind);
    i++;
    return t;
  };
  const at = (value: string) => peek()?.kind === 'punct' && peek()!.value === value;

  const value = (): ValueNode => {
    const t = peek() ?? fail('a value');
    if (t.kind === 'variable') {
      i++;
      return { variable: t.value };
    }
    const literal = (): unknown => {
      const u = peek() ?? fail('a value');
      if (u.kind === 'string' || u.kind === 'number') {
        i++;
        return u.kind === 'string' ? u.value : Number(u.value);
      }
      if (u.kind === 'name') {
        i++;
        return u.value === 'true' ? true : u.value === 'false' ? false : u.value === 'null' ? null : u.value;
      }
      if (at('[')) {
        i++;
        const list: unknown[] = [];
        while (!at(']')) list.push(literal());
        i++;
        return list;
      }
      if (at('{')) {
        i++;
        const object: Record<string, unknown> = {};
        while (!at('}')) {
          const key = take('name').value;
          take('punct', ':');
          object[key] = literal();
        }
        i++;
        return object;
      }
      return fail('a value');
    };
    return { literal: literal() };
  };

  const typeText = (): string => {
    let out: string;
    if (at('[')) {
      i++;
      out = `[${typeText()}]`;
      take('punct', ']');
    } else out = take('name').value;
    if (at('!')) {
      i++;
      out += '!';
    }
    return out;
  };

  const selectionSet = (depth: number): FieldNode[] => {
    if (depth > MAX_DEPTH) throw new GraphQLSyntaxError(`Syntax Error: selections nested deeper than ${MAX_DEPTH}.`);
    take('punct', '{');
    const fields: FieldNode[] = [];
    while (!at('}')) {
      if (at('...')) throw new GraphQLSyntaxError('Fragments are not supported by this API.');
      let name = take('name').value;
      let alias: string | undefined;
      if (at(':')) {
        i++;
        alias = name;
        name = take('name').value;
      }
      const args: Record<string, ValueNode> = {};
      if (at('(')) {
        i++;
        while (!at(')')) {
          const arg = take('name').value;
          take('punct', ':');
          args[arg] = value();
        }
        i++;
      }
      if (at('@')) throw new GraphQLSyntaxError('Directives are not supported by this API.');
      fields.push({ ...(alias === undefined ? {} : { alias }), name, arguments: args, selection: at('{') ? selectionSet(depth + 1) : null });
    }
    i++;
    return fields;
  };

  let operation: OperationNode;
  if (at('{')) operation = { type: 'query', variables: {}, selection: selectionSet(1) };
  else {
    const type = take('name').value;
    if (type !== 'query' && type !== 'mutation') throw new GraphQLSyntaxError(`Syntax Error: Unexpected Name "${type}" (only query and mutation operations are served).`);
    const name = peek()?.kind === 'name' ? take('name').value : undefined;
    const variables: OperationNode['variables'] = {};
    if (at('(')) {
      i++;
      while (!at(')')) {
        const variable = take('variable').value;
        take('punct', ':');
        const declared: { type: string; default?: unknown } = { type: typeText() };
        if (at('=')) {
          i++;
          const v = value();
          if ('variable' in v) fail('a constant default value');
          else declared.default = v.literal;
        }
        variables[variable] = declared;
      }
      i++;
    }
    operation = { type, ...(name === undefined ? {} : { name }), variables, selection: selectionSet(1) };
  }
  if (i < tokens.length) throw new GraphQLSyntaxError(`Syntax Error: only one operation per document is served here; found "${peek()!.value}" at position ${peek()!.at}.`);
  return operation;
}
