/**
 * The app file: `defineApp` binds hooks, routes and job kinds; in watch mode (serve --dev) a saved
 * change replaces the previous version at once, and a broken version (syntax error, or an init
 * that throws halfway) is reported while the previous one keeps running.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadAppFile, resolveAppFile } from '../../src/cli/load-app-file.js';
import { createTestApp } from '../http/test-app.js';

const INDEX = resolve('src/index.ts');

const version = (v: string, extra = '') => `
import type { App } from ${JSON.stringify(INDEX)};
// defineApp is the identity; importing it at runtime would load (and time) the whole server per reload.
export default ((app: App) => {
  app.hooks.onRecordCreate.on('notes').bindFunc(async (e) => { e.record.text = ${JSON.stringify(v)}; await e.next(); });
  app.routes.get('/api/version', () => ({ v: ${JSON.stringify(v)} }));
  ${v === 'v1' ? "app.routes.get('/api/only-v1', () => ({ ok: true }));" : ''}
  app.jobs.define('appfile.job', async () => ${JSON.stringify(v)});
  ${extra}
});
`;

test('app file: bind, reload atomically, keep the previous version when broken', async () => {
  const t = await createTestApp('sqlite');
  const dir = await mkdtemp(join(tmpdir(), 'galley-appfile-'));
  try {
    await t.app.collections.create({ name: 'notes', fields: [{ name: 'text', type: 'text' }], createRule: '' });
    const file = join(dir, 'galley.config.ts');
    await writeFile(file, version('v1'));
    assert.equal(resolveAppFile(undefined, dir), file);
    assert.equal(resolveAppFile(undefined, tmpdir()), undefined);

    const reloads: Array<Error | undefined> = [];
    let waiter: (() => void) | undefined;
    const nextReload = () => new Promise<void>((r) => { waiter = r; });
    await loadAppFile(file, t.app, { watch: true, onReload: (err) => { reloads.push(err); waiter?.(); } });

    const note = async () => (await t.call('POST', '/api/collections/notes/records', { body: { text: 'x' } })).body.text;
    assert.deepEqual((await t.call('GET', '/api/version')).body, { v: 'v1' });
    assert.equal(await note(), 'v1');
    assert.equal(t.app.hooks.onRecordCreate.length, 1);

    let reloaded = nextReload();
    await writeFile(file, version('v2'));
    await reloaded;
    assert.equal(reloads.at(-1), undefined);
    assert.deepEqual((await t.call('GET', '/api/version')).body, { v: 'v2' });
    assert.equal((await t.call('GET', '/api/only-v1')).status, 404);
    assert.equal(await note(), 'v2');
    assert.equal(t.app.hooks.onRecordCreate.length, 1, 'the old handler was unbound');

    reloaded = nextReload();
    await writeFile(file, `${version('v3')}\nthis is not typescript(`);
    await reloaded;
    assert.match(String(reloads.at(-1)?.message), /could not be loaded/);
    assert.deepEqual((await t.call('GET', '/api/version')).body, { v: 'v2' });

    reloaded = nextReload();
    await writeFile(file, version('v4', "throw new Error('half way');"));
    await reloaded;
    assert.match(String(reloads.at(-1)?.message), /half way/);
    assert.deepEqual((await t.call('GET', '/api/version')).body, { v: 'v2' });
    assert.equal(await note(), 'v2');
    assert.equal(t.app.hooks.onRecordCreate.length, 1);
  } finally {
    await t.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});
