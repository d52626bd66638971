/**
 * docs/errors.md and the registry in src/core/errors.ts must agree: every code with its status and
 * default message, and no code in the doc that the registry does not have.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { errorRegistry, fieldErrorRegistry } from '../../src/core/errors.js';

const docUrl = new URL('../../docs/errors.md', import.meta.url);
const cell = (s: string): string => s.replace(/\|/g, '\\|');

test('docs/errors.md lists every API error code with its status and message', async () => {
  const doc = await readFile(docUrl, 'utf8');
  for (const [code, spec] of Object.entries(errorRegistry)) {
    const s = spec as { status: number; message: string; retired?: true };
    const row = `| \`${code}\` | ${s.status} | ${cell(s.message)}${s.retired ? ' (retired)' : ''} |`;
    assert.ok(doc.includes(row), `docs/errors.md is missing or has a stale row for ${code}; expected:\n${row}`);
  }
  const documented = [...doc.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((m) => m[1]!);
  for (const code of documented) assert.ok(code in errorRegistry, `docs/errors.md documents unknown code ${code}`);
});

test('docs/errors.md lists every field error code', async () => {
  const doc = await readFile(docUrl, 'utf8');
  for (const [code, message] of Object.entries(fieldErrorRegistry)) {
    const row = `| \`${code}\` | ${cell(String(message))} |`;
    assert.ok(doc.includes(row), `docs/errors.md is missing or has a stale field code row for ${code}; expected:\n${row}`);
  }
});
