import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDocsPage } from './render-docs-page.js';

describe('renderDocsPage', () => {
  it('is self-contained: no external scripts, styles or fonts', () => {
    const html = renderDocsPage('/api/openapi.json');
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+stylesheet/i);
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.match(html, /data-spec="\/api\/openapi.json"/);
  });

  it('escapes the spec URL and title', () => {
    const html = renderDocsPage('/x?a=1&b="><script>alert(1)</script>', '<b>T</b>');
    assert.doesNotMatch(html, /"><script>alert/);
    assert.match(html, /&#38;b=&#34;&#62;&#60;script&#62;/);
    assert.match(html, /<title>&#60;b&#62;T&#60;\/b&#62; docs<\/title>/);
  });

  it('ships a syntactically valid inline script', () => {
    const html = renderDocsPage('/api/openapi.json');
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1];
    assert.ok(script);
    // Compiling (not running) proves the browser will parse it.
    assert.doesNotThrow(() => new Function(script));
  });
});
