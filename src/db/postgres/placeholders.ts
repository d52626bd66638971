/**
 * Rewrites Galley's `?` placeholders into PostgreSQL's `$1, $2, ...`. A `?` inside a quoted string
 * (`'...'`, `E'...'`, `$tag$...$tag$`), a quoted identifier (`"..."`) or a comment is left alone.
 * `??` stands for a literal `?` (the jsonb key-exists operators `?`, `?|`, `?&`).
 */
export interface RewrittenSql {
  text: string;
  /** Number of placeholders found. */
  params: number;
}

export function rewritePlaceholders(sql: string): RewrittenSql {
  // Fast path: most statements have no quote, comment or dollar sign to care about.
  if (sql.indexOf('?') === -1) return { text: sql, params: 0 };
  let out = '';
  let n = 0;
  let last = 0;
  const len = sql.length;
  let i = 0;
  while (i < len) {
    const c = sql.charCodeAt(i);
    if (c === 63 /* ? */) {
      out += sql.slice(last, i);
      if (sql.charCodeAt(i + 1) === 63) {
        out += '?';
        i += 2;
      } else {
        out += '$' + ++n;
        i += 1;
      }
      last = i;
    } else if (c === 39 /* ' */) {
      // E'...' allows backslash escapes; a standard string only doubles quotes.
      const prev = i > 0 ? sql.charCodeAt(i - 1) : 0;
      const escapes = (prev === 69 || prev === 101) && !isIdentChar(i > 1 ? sql.charCodeAt(i - 2) : 0);
      i = skipQuoted(sql, i, 39, escapes);
    } else if (c === 34 /* " */) {
      i = skipQuoted(sql, i, 34, false);
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf('\n', i + 2);
      i = end === -1 ? len : end + 1;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      i = skipBlockComment(sql, i);
    } else if (c === 36 /* $ */) {
      i = skipDollarQuoted(sql, i);
    } else {
      i++;
    }
  }
  out += sql.slice(last);
  return { text: out, params: n };
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

/** Index just past the closing quote (or the end of the text when unterminated). */
function skipQuoted(sql: string, start: number, quote: number, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (backslashEscapes && c === 92 /* \ */) {
      i += 2;
    } else if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return i;
}

/** PostgreSQL block comments nest. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.charCodeAt(i) === 47 && sql.charCodeAt(i + 1) === 42) {
      depth++;
      i += 2;
    } else if (sql.charCodeAt(i) === 42 && sql.charCodeAt(i + 1) === 47) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

/** `$tag$ ... $tag$`; a `$` that does not open one (e.g. `$1`) is skipped as one character. */
function skipDollarQuoted(sql: string, start: number): number {
  const prev = start > 0 ? sql.charCodeAt(start - 1) : 0;
  if (isIdentChar(prev)) return start + 1;
  let j = start + 1;
  while (j < sql.length && sql.charCodeAt(j) !== 36) {
    const c = sql.charCodeAt(j);
    if (!isIdentChar(c) || (j === start + 1 && c >= 48 && c <= 57)) return start + 1;
    j++;
  }
  if (j >= sql.length) return start + 1;
  const tag = sql.slice(start, j + 1);
  const end = sql.indexOf(tag, j + 1);
  return end === -1 ? sql.length : end + tag.length;
}
