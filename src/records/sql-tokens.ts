/**
 * A small SQL tokenizer for the two places where users write SQL: index definitions and view
 * queries. It only needs to be exact about where identifiers, strings and numbers start and end,
 * so the validators above it can reason about a token stream instead of raw text. Comments are
 * refused (they could hide anything from a reader of the stored definition).
 */

export type SqlTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'punct';

export interface SqlToken {
  kind: SqlTokenKind;
  /** Words: as written; quoted identifiers: unquoted; strings: unescaped; others: as written. */
  value: string;
  /** Offset in the source, for error messages. */
  pos: number;
  /** Offset just after the token in the source. */
  end: number;
}

export class SqlTokenError extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
    this.name = 'SqlTokenError';
  }
}

const OPS = ['<=', '>=', '!=', '<>', '==', '||', '=', '<', '>', '+', '-', '/', '%', '*'];

export function tokenizeSql(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const close = () => {
    const last = out[out.length - 1];
    if (last && last.end < 0) last.end = i;
  };
  while (i < sql.length) {
    close();
    const ch = sql[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if ((ch === '-' && sql[i + 1] === '-') || (ch === '/' && sql[i + 1] === '*')) {
      throw new SqlTokenError('SQL comments are not allowed.', i);
    }
    if (ch === '\0') throw new SqlTokenError('NUL characters are not allowed.', i);
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i)) as RegExpExecArray;
      out.push({ kind: 'word', value: m[0], pos: i, end: -1 });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i)) as RegExpExecArray;
      if (/[A-Za-z_]/.test(sql[i + m[0].length] ?? '')) throw new SqlTokenError('Invalid number.', i);
      out.push({ kind: 'number', value: m[0], pos: i, end: -1 });
      i += m[0].length;
      continue;
    }
    if (ch === "'" ) {
      const [value, end] = readQuoted(sql, i, "'", "'");
      out.push({ kind: 'string', value, pos: i, end: -1 });
      i = end;
      continue;
    }
    if (ch === '"' || ch === '`') {
      const [value, end] = readQuoted(sql, i, ch, ch);
      if (value === '') throw new SqlTokenError('Empty identifier.', i);
      out.push({ kind: 'quoted', value, pos: i, end: -1 });
      i = end;
      continue;
    }
    if (ch === '[') {
      const close = sql.indexOf(']', i + 1);
      if (close < 0) throw new SqlTokenError('Unterminated identifier.', i);
      const value = sql.slice(i + 1, close);
      if (value === '') throw new SqlTokenError('Empty identifier.', i);
      out.push({ kind: 'quoted', value, pos: i, end: -1 });
      i = close + 1;
      continue;
    }
    if ('(),.;'.includes(ch)) {
      out.push({ kind: 'punct', value: ch, pos: i, end: -1 });
      i++;
      continue;
    }
    const op = OPS.find((o) => sql.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', value: op, pos: i, end: -1 });
      i += op.length;
      continue;
    }
    throw new SqlTokenError(`Unexpected character ${JSON.stringify(ch)}.`, i);
  }
  close();
  return out;
}

function readQuoted(sql: string, start: number, open: string, close: string): [string, number] {
  let value = '';
  let i = start + open.length;
  for (;;) {
    const end = sql.indexOf(close, i);
    if (end < 0) throw new SqlTokenError('Unterminated quoted text.', start);
    value += sql.slice(i, end);
    if (sql[end + 1] === close) {
      value += close;
      i = end + 2;
      continue;
    }
    return [value, end + 1];
  }
}

export function isWord(token: SqlToken | undefined, word: string): boolean {
  return token !== undefined && token.kind === 'word' && token.value.toUpperCase() === word;
}

/** Identifiers in the form every Galley statement uses: double quotes, embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
