/**
 * A plain-text excerpt of an HTML (or plain) string, for the `:excerpt(max, withEllipsis)` field
 * modifier: tags stripped (and the content of non-text elements such as script, style, img dropped),
 * block elements separated by a space, whitespace collapsed, cut at `max` characters (code points,
 * so a cut never splits a character), `...` appended when cut and asked for.
 */
import { createRequire } from 'node:module';
import type { Parser as HtmlParser } from 'htmlparser2';

// htmlparser2 (and its entities tables) loads on the first excerpt, not at start-up: only
// `?fields=...:excerpt()` needs it. Its CommonJS build keeps this function synchronous.
let ParserClass: typeof HtmlParser | undefined;
const loadParser = (): typeof HtmlParser =>
  (ParserClass ??= (createRequire(import.meta.url)('htmlparser2') as { Parser: typeof HtmlParser }).Parser);

const SKIPPED = new Set([
  'head', 'style', 'script', 'iframe', 'embed', 'applet', 'object', 'svg', 'img', 'picture',
  'dialog', 'template', 'button', 'form', 'textarea', 'input', 'select', 'option',
]);

const INLINE = new Set([
  'a', 'abbr', 'acronym', 'b', 'bdo', 'big', 'br', 'button', 'cite', 'code', 'em', 'i', 'label',
  'q', 'small', 'span', 'strong', 'strike', 'sub', 'sup', 'time',
]);

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

export function excerpt(html: string, max: number, withEllipsis: boolean): string {
  let out = '';
  let skipDepth = 0;
  let prevSpace = true;
  // Enough text gathered: stop appending (the parser still runs to the end of its input chunk).
  const limit = max + 2;

  const space = (): void => {
    if (!prevSpace) {
      out += ' ';
      prevSpace = true;
    }
  };

  const Parser = loadParser();
  const parser = new Parser(
    {
      onopentag(name) {
        if (skipDepth > 0 || SKIPPED.has(name)) {
          if (!VOID.has(name)) skipDepth++;
          return;
        }
        if (!INLINE.has(name)) space();
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          if (!VOID.has(name)) skipDepth--;
          return;
        }
        if (!INLINE.has(name)) space();
      },
      ontext(text) {
        if (skipDepth > 0 || out.length > limit) return;
        let t = text.replace(/\s+/g, ' ');
        if (prevSpace) t = t.replace(/^ +/, '');
        if (t === '') return;
        out += t;
        prevSpace = t.endsWith(' ');
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();

  let result = out.trim();
  const chars = Array.from(result);
  if (chars.length > max) {
    result = chars.slice(0, max).join('').trim();
    if (withEllipsis) result += '...';
  }
  return result;
}
