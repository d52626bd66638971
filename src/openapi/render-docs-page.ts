/**
 * A self-contained HTML page that renders an OpenAPI document: no CDN, no external asset (Galley
 * runs where there is no internet). A small inline script fetches the spec from `specUrl` and
 * lists operations grouped by tag, with parameters, request bodies, responses and schemas. All
 * spec text goes through `textContent`, never `innerHTML`, so collection names and rules cannot
 * inject markup.
 */

const STYLE = `
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --bg:#fff; --line:#d0d7de; --code:#f6f8fa;
  --get:#0969da; --post:#1a7f37; --patch:#9a6700; --put:#8250df; --delete:#cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#8d96a0; --bg:#0d1117; --line:#30363d; --code:#161b22; } }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { padding:1.2rem 2rem; border-bottom:1px solid var(--line); }
header h1 { margin:0; font-size:1.4rem; }
header p { margin:.3rem 0 0; color:var(--muted); }
main { display:grid; grid-template-columns: 16rem 1fr; }
nav { padding:1rem; border-right:1px solid var(--line); position:sticky; top:0; max-height:100vh; overflow:auto; }
nav a { display:block; color:inherit; text-decoration:none; padding:.15rem 0; }
section { padding:0 2rem 1rem; }
h2 { border-bottom:1px solid var(--line); padding-bottom:.3rem; margin-top:1.6rem; }
details { border:1px solid var(--line); border-radius:6px; margin:.5rem 0; }
summary { cursor:pointer; padding:.5rem .8rem; font-family:ui-monospace, monospace; }
details > div { padding:.2rem 1rem 1rem; }
.m { display:inline-block; min-width:4.5rem; font-weight:700; text-transform:uppercase; }
.m-get { color:var(--get); } .m-post { color:var(--post); } .m-patch { color:var(--patch); } .m-put { color:var(--put); } .m-delete { color:var(--delete); }
.sum { color:var(--muted); font-family:system-ui, sans-serif; margin-left:.6rem; }
table { border-collapse:collapse; width:100%; margin:.4rem 0; }
th, td { text-align:left; border-bottom:1px solid var(--line); padding:.25rem .5rem; vertical-align:top; }
pre { background:var(--code); padding:.6rem; border-radius:6px; overflow:auto; font-size:13px; }
code { font-family:ui-monospace, monospace; }
.err { color:var(--delete); padding:2rem; }
`;

// Runs in the browser. Plain ES2017, no framework; `h` builds elements from text only.
const SCRIPT = `
(function () {
  var root = document.getElementById('app');
  var specUrl = root.getAttribute('data-spec');
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return el;
  }
  function resolve(spec, node) {
    var seen = 0;
    while (node && node.$ref && seen++ < 20) {
      var parts = node.$ref.replace(/^#\\//, '').split('/');
      node = parts.reduce(function (o, p) { return o && o[p.replace(/~1/g, '/').replace(/~0/g, '~')]; }, spec);
    }
    return node || {};
  }
  function refName(node) { return node && node.$ref ? node.$ref.split('/').pop() : null; }
  function schemaBlock(spec, schema) {
    var name = refName(schema);
    var body = h('pre', null, [h('code', null, [JSON.stringify(resolve(spec, schema), null, 2)])]);
    return name ? h('div', null, [h('div', null, ['Schema ', h('a', { href: '#schema-' + name }, [name])]), body]) : body;
  }
  function operation(spec, path, method, op) {
    var inner = h('div');
    if (op.description) inner.appendChild(h('p', null, [op.description]));
    var params = (op.parameters || []).map(function (p) { return resolve(spec, p); });
    if (params.length) {
      var rows = params.map(function (p) {
        return h('tr', null, [h('td', null, [h('code', null, [p.name])]), h('td', null, [p.in]),
          h('td', null, [(p.schema && p.schema.type) || '']), h('td', null, [p.description || ''])]);
      });
      inner.appendChild(h('h4', null, ['Parameters']));
      inner.appendChild(h('table', null, [h('tr', null, [h('th', null, ['name']), h('th', null, ['in']), h('th', null, ['type']), h('th', null, ['description'])])].concat(rows)));
    }
    if (op.requestBody) {
      var rb = resolve(spec, op.requestBody);
      inner.appendChild(h('h4', null, ['Request body']));
      Object.keys(rb.content || {}).forEach(function (ct) {
        inner.appendChild(h('div', null, [h('code', null, [ct])]));
        inner.appendChild(schemaBlock(spec, rb.content[ct].schema || {}));
      });
    }
    inner.appendChild(h('h4', null, ['Responses']));
    Object.keys(op.responses || {}).forEach(function (status) {
      var r = resolve(spec, op.responses[status]);
      inner.appendChild(h('div', null, [h('strong', null, [status]), ' ', r.description || '']));
      var json = r.content && r.content['application/json'];
      if (json && json.schema && status.charAt(0) === '2') inner.appendChild(schemaBlock(spec, json.schema));
    });
    return h('details', { id: op.operationId || '' }, [
      h('summary', null, [h('span', { 'class': 'm m-' + method }, [method]), path, h('span', { 'class': 'sum' }, [op.summary || ''])]),
      inner
    ]);
  }
  function render(spec) {
    var info = spec.info || {};
    document.title = (info.title || 'API') + ' docs';
    var groups = {};
    var order = (spec.tags || []).map(function (t) { return t.name; });
    Object.keys(spec.paths || {}).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method];
        var tag = (op.tags && op.tags[0]) || 'Other';
        if (order.indexOf(tag) < 0) order.push(tag);
        (groups[tag] = groups[tag] || []).push(operation(spec, path, method, op));
      });
    });
    var nav = h('nav');
    var content = h('section');
    var tagInfo = {};
    (spec.tags || []).forEach(function (t) { tagInfo[t.name] = t; });
    order.forEach(function (tag, i) {
      if (!groups[tag]) return;
      nav.appendChild(h('a', { href: '#tag-' + i }, [tag]));
      content.appendChild(h('h2', { id: 'tag-' + i }, [tag]));
      if (tagInfo[tag] && tagInfo[tag].description) content.appendChild(h('p', null, [tagInfo[tag].description]));
      groups[tag].forEach(function (el) { content.appendChild(el); });
    });
    var schemas = (spec.components && spec.components.schemas) || {};
    nav.appendChild(h('a', { href: '#schemas' }, ['Schemas']));
    content.appendChild(h('h2', { id: 'schemas' }, ['Schemas']));
    Object.keys(schemas).forEach(function (name) {
      content.appendChild(h('details', { id: 'schema-' + name }, [h('summary', null, [name]),
        h('div', null, [h('pre', null, [h('code', null, [JSON.stringify(schemas[name], null, 2)])])])]));
    });
    var header = h('header', null, [h('h1', null, [(info.title || 'API') + ' ' + (info.version || '')]),
      h('p', null, [info.description || '', ' OpenAPI document: ', h('a', { href: specUrl }, [specUrl])])]);
    root.replaceChildren(header, h('main', null, [nav, content]));
  }
  fetch(specUrl, { headers: { accept: 'application/json' } })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then(render)
    .catch(function (e) { root.replaceChildren(h('p', { 'class': 'err' }, ['Could not load ' + specUrl + ': ' + e.message])); });
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The docs page for the OpenAPI document served at `specUrl` (relative or absolute). */
export function renderDocsPage(specUrl: string, title = 'Galley API'): string {
  const url = escapeHtml(specUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} docs</title>
<style>${STYLE}</style>
</head>
<body>
<div id="app" data-spec="${url}"><p style="padding:2rem">Loading <a href="${url}">${url}</a>…</p></div>
<noscript><p style="padding:2rem">This page needs JavaScript; the raw document is at <a href="${url}">${url}</a>.</p></noscript>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
