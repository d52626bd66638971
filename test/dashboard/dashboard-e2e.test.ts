/**
 * The dashboard in a real browser (Debian's chromium through playwright-core), on SQLite and
 * PostgreSQL: first-run setup from the one-time link, login, a collection with several field types
 * and a rule checked as it is typed, records created and edited (a relation and a file upload
 * included), the filter box, another client's write appearing live, a failed job retried, the
 * mail outbox, logs and settings screens; no console errors anywhere.
 *
 * `GALLEY_SCREENSHOTS=1 npm test -- test/dashboard` also refreshes docs/screenshots/ (SQLite run).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import PocketBase from 'pocketbase';
import { issueSetupToken } from '../../src/auth/setup-tokens.js';
import { setupUrl } from '../../src/http/routes/dashboard-setup.js';
import { requireService } from '../../src/testing/services.js';
import { PNG, SCREENSHOTS, ensureDashboardBuilt, launchChromium, reportPages, startDashboardNode } from './dashboard-fixture.js';

const EMAIL = 'admin@example.com';
const PASSWORD = 'a long dashboard password';

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`dashboard end to end in chromium [${dialect}]`, { timeout: 240_000 }, async (t) => {
    if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
    ensureDashboardBuilt();
    const browser = await launchChromium(t);
    if (!browser) return;
    const node = await startDashboardNode(dialect, { dev: true, jobsPollMs: 100 });
    const { app, url } = node;
    const shots = dialect === 'sqlite' ? SCREENSHOTS : undefined;
    if (shots) mkdirSync(shots, { recursive: true });
    const shot = async (page: Page, name: string): Promise<void> => {
      if (shots) await page.screenshot({ path: `${shots}${name}.png` });
    };
    const consoleErrors: string[] = [];
    // Where the time goes, printed (not asserted): a slow step shows up in the CI log.
    let last = Date.now();
    let current = 'first run';
    const steps: string[] = [];
    const step = (next: string): void => {
      steps.push(`${current}: ${Date.now() - last} ms`);
      [current, last] = [next, Date.now()];
    };
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'light' });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
      });
      page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));

      // --- first run: the one-time link creates the first superuser and logs in ----------------
      const token = await issueSetupToken(app.db);
      await page.goto(setupUrl(url, token));
      await page.getByRole('heading', { name: 'Create the first superuser' }).waitFor();
      await shot(page, 'setup');
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Confirm password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create superuser and log in' }).click();
      await page.getByRole('heading', { name: 'Collections' }).waitFor();
      // The link is spent.
      const again = await fetch(`${url}/api/dashboard/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email: 'second@example.com', password: PASSWORD, passwordConfirm: PASSWORD }),
      });
      assert.equal(again.status, 403);

      step('log out, log in');
      // --- log out, log in -----------------------------------------------------------------------
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: /superuser login/ }).waitFor();
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').filter({ hasText: /Failed to authenticate|invalid/i }).waitFor();
      consoleErrors.length = 0; // the wrong password's 400 is logged by the browser as a failed load
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Collections' }).waitFor();

      // Another client (the SDK in Node) makes the relation target and watches nothing in particular.
      const other = new PocketBase(url);
      other.autoCancellation(false);
      await other.collection('_superusers').authWithPassword(EMAIL, PASSWORD);
      const authors = await other.collections.create({ name: 'authors', type: 'base', fields: [{ name: 'name', type: 'text', required: true, presentable: true }] });
      await other.collection('authors').create({ name: 'Ada Lovelace' });
      await other.collection('authors').create({ name: 'Grace Hopper' });

      step('a collection with several field types and a rule');
      // --- a collection with several field types and a rule ---------------------------------------
      await page.goto(`${url}/_/#/collections/new`);
      await page.getByLabel('Name', { exact: true }).fill('posts');
      const addField = async (type: string, name: string): Promise<void> => {
        await page.getByLabel('New field type').selectOption(type);
        await page.getByRole('button', { name: '+ Add field' }).click();
        // The new field's name input takes the focus.
        await page.locator('input[aria-label="Field name"]:focus').fill(name);
      };
      await addField('text', 'title');
      await addField('number', 'views');
      await addField('bool', 'published');
      await addField('relation', 'author');
      await page.getByLabel('Related collection').selectOption({ label: 'authors' });
      await addField('editor', 'body');
      await addField('json', 'meta');
      await addField('date', 'publishedAt');
      await addField('file', 'cover');
      await page.getByLabel('MIME types').last().fill('image/png, image/jpeg');
      await addField('select', 'tags');
      await page.getByLabel('Values').last().fill('news, tech, life');
      await page.getByLabel('Max select (2+ = multiple)').last().fill('3');
      await shot(page, 'collection-fields');

      await page.getByRole('tab', { name: /API rules/ }).click();
      await page.getByLabel('List/Search rule: superusers only').uncheck();
      const listRule = page.getByLabel('List/Search rule', { exact: true });
      await listRule.fill('titel != ""');
      await page.getByText(/titel/).and(page.locator('.error-text')).waitFor();
      await listRule.fill('@request.auth.id != "" && title != "');
      await page.locator('.error-text').filter({ hasText: /column/ }).waitFor();
      await listRule.fill('@request.auth.id != "" && title != ""');
      await page.getByText('Valid rule.').waitFor();
      await shot(page, 'collection-rules');

      await page.getByRole('tab', { name: 'Migration preview' }).click();
      await page.getByLabel('Migration source').filter({ hasText: 'created collection "posts"' }).waitFor();
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'posts', exact: true }).waitFor();
      const posts = await other.collections.getOne('posts');
      assert.equal(posts.listRule, '@request.auth.id != "" && title != ""');
      assert.deepEqual(
        posts.fields.filter((f) => !f.system).map((f) => `${f.name}:${f.type}`),
        ['title:text', 'views:number', 'published:bool', 'author:relation', 'body:editor', 'meta:json', 'publishedAt:date', 'cover:file', 'tags:select', 'created:autodate', 'updated:autodate'],
      );

      step('live updates are on before anything else writes');
      // --- live updates are on before anything else writes ------------------------------------------
      await page.getByText('● live').waitFor({ timeout: 15_000 });

      step('add a record: relation picked by search, a file, J');
      // --- add a record: relation picked by search, a file, JSON, rich text, a date ----------------
      await page.getByRole('button', { name: '+ New record' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(/^title/).fill('First post');
      await dialog.getByLabel(/^views/).fill('42');
      await dialog.getByLabel('published', { exact: true }).check();
      await dialog.getByRole('searchbox', { name: /^author/ }).fill('Ada');
      await dialog.getByRole('radio', { name: /Ada Lovelace/ }).check();
      await dialog.getByRole('textbox', { name: 'body' }).click();
      await page.keyboard.type('Hello from the dashboard');
      await dialog.getByLabel(/^meta/).fill('{"featured": true}');
      await dialog.getByLabel(/^publishedAt/).fill('2024-05-01T10:30');
      await dialog.getByLabel('tech').check();
      await dialog.getByLabel(/^cover/).setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: PNG });
      await dialog.getByRole('img', { name: 'Preview of cover.png' }).waitFor();
      await shot(page, 'record-form');
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('cell', { name: 'First post', exact: true }).waitFor();

      const [created] = (await other.collection('posts').getFullList()) as Array<Record<string, unknown>>;
      assert.ok(created);
      assert.equal(created.views, 42);
      assert.equal(created.published, true);
      assert.equal(created.author, (await other.collection('authors').getFirstListItem('name = "Ada Lovelace"')).id);
      assert.deepEqual(created.meta, { featured: true });
      assert.match(String(created.body), /Hello from the dashboard/);
      assert.equal(created.publishedAt, '2024-05-01 10:30:00.000Z');
      assert.deepEqual(created.tags, ['tech']);
      assert.match(String(created.cover), /^cover.*\.png$/);
      assert.ok(authors.id);

      step('edit it: the stored file shows as a thumbnail, the');
      // --- edit it: the stored file shows as a thumbnail, the relation changes ---------------------
      await page.getByRole('cell', { name: 'First post', exact: true }).click();
      await dialog.getByRole('img', { name: String(created.cover) }).waitFor();
      await dialog.getByLabel(/^title/).fill('First post (edited)');
      await dialog.getByRole('searchbox', { name: /^author/ }).fill('Grace');
      await dialog.getByRole('radio', { name: /Grace Hopper/ }).check();
      await dialog.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('cell', { name: 'First post (edited)' }).waitFor();
      // The relation column shows the related record's presentable field, not its id.
      await page.getByRole('cell', { name: 'Grace Hopper' }).waitFor();
      const edited = await other.collection('posts').getOne(String(created.id));
      assert.equal(edited.title, 'First post (edited)');
      assert.equal(edited.author, (await other.collection('authors').getFirstListItem('name = "Grace Hopper"')).id);
      assert.equal(edited.cover, created.cover);

      step("another client's write appears without a reload");
      // --- another client's write appears without a reload -----------------------------------------
      await other.collection('posts').create({ title: 'Written elsewhere', views: 7 });
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor({ timeout: 15_000 });
      await shot(page, 'records');

      step('the filter box: checked as typed, applied on Enter');
      // --- the filter box: checked as typed, applied on Enter ---------------------------------------
      const filter = page.getByLabel('Filter');
      await page.locator('h1').click();
      await page.keyboard.press('/');
      assert.equal(await filter.evaluate((el) => el === el.ownerDocument.activeElement), true, '"/" focuses the filter box');
      await filter.fill('title ~');
      await page.locator('#filter-state').filter({ hasText: /column/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Apply' }).isDisabled(), true);
      await filter.fill('views > 10');
      await filter.press('Enter');
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor({ state: 'detached' });
      await page.getByRole('cell', { name: 'First post (edited)' }).waitFor();
      await filter.fill('title = "nothing like this"');
      await filter.press('Enter');
      await page.getByText('No records match this filter.').waitFor();
      await page.getByRole('button', { name: 'Clear', exact: true }).click();
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor();

      step('export: CSV built in the tab, and the server export job');
      await filter.fill('views > 10');
      await filter.press('Enter');
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor({ state: 'detached' });
      const [inTab] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      const inTabCsv = await readFile(await inTab.path(), 'utf8');
      assert.equal(inTab.suggestedFilename(), 'posts.csv');
      assert.match(inTabCsv, /^id,title,views,/);
      assert.match(inTabCsv, /First post \(edited\)/);
      assert.doesNotMatch(inTabCsv, /Written elsewhere/, 'the filter applies');
      const [byJob] = await Promise.all([
        page.waitForEvent('download', { timeout: 30_000 }),
        page.getByRole('button', { name: 'Export job' }).click(),
      ]);
      const jobCsv = await readFile(await byJob.path(), 'utf8');
      assert.match(jobCsv, /First post \(edited\)/);
      assert.doesNotMatch(jobCsv, /Written elsewhere/, 'the filter applies');
      await page.getByRole('button', { name: 'Clear', exact: true }).click();
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor();

      step('a view collection');
      await page.goto(`${url}/_/#/collections/new`);
      await page.getByLabel('Name', { exact: true }).fill('post_titles');
      await page.getByLabel('Type', { exact: true }).selectOption('view');
      await page.getByLabel('View query (SELECT)').fill('SELECT id, title, views FROM posts');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'post_titles', exact: true }).waitFor();
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor();
      assert.equal(await page.getByRole('button', { name: '+ New record' }).count(), 0, 'views are read-only');

      step('a failed job, retried from the jobs screen');
      // --- a failed job, retried from the jobs screen -----------------------------------------------
      let calls = 0;
      app.jobs.define('dashboard.flaky', async () => {
        calls += 1;
        if (calls === 1) throw new Error('the first attempt fails');
        return { ok: true };
      });
      const { id: jobId } = await app.jobs.enqueue('dashboard.flaky', {}, { maxAttempts: 1 });
      await waitFor(async () => (await app.jobs.get(jobId))?.state === 'dead', 'the job to fail');
      await page.getByRole('link', { name: 'Jobs' }).click();
      await page.getByRole('button', { name: `Retry job ${jobId}` }).waitFor();
      await shot(page, 'jobs');
      await page.getByRole('button', { name: `Retry job ${jobId}` }).click();
      await waitFor(async () => (await app.jobs.get(jobId))?.state === 'completed', 'the retried job to complete');
      assert.equal(calls, 2);

      step('mail outbox (dev mode, SMTP off)');
      // --- mail outbox (dev mode, SMTP off) -----------------------------------------------------------
      const { jobId: mailJob } = await app.mail.send({ to: 'someone@example.com', subject: 'Welcome aboard', html: '<p>Hello <b>there</b></p>' });
      await waitFor(async () => (await app.jobs.get(mailJob))?.state === 'completed', 'the mail job');
      await page.getByRole('link', { name: 'Mail outbox' }).click();
      await page.getByRole('link', { name: 'Welcome aboard' }).click();
      await page.getByRole('dialog').getByText(/To: someone@example.com/).waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

      step('logs and settings');
      // --- logs and settings --------------------------------------------------------------------------
      await page.getByRole('link', { name: 'Logs' }).click();
      await page.getByRole('heading', { name: 'Requests per hour' }).waitFor();
      await page.getByRole('cell', { name: /\/api\/collections\/posts\/records/ }).first().waitFor({ timeout: 15_000 }).catch(() => {});
      await shot(page, 'logs');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Application name').fill('Dashboard test');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved.').waitFor();
      assert.equal((await other.settings.getAll()).meta.appName, 'Dashboard test');
      await shot(page, 'settings');
      // meta.hideControls: the schema buttons go away (and come back).
      const hide = page.getByLabel(/Hide collection controls/);
      await hide.check();
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByRole('link', { name: 'Collections' }).first().click();
      await page.getByRole('heading', { name: 'Collections' }).waitFor();
      assert.equal(await page.getByRole('link', { name: '+ New collection' }).count(), 0);
      await page.getByRole('link', { name: 'Settings' }).click();
      await hide.uncheck();
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByRole('link', { name: 'Collections' }).first().click();
      await page.getByRole('link', { name: '+ New collection' }).waitFor();

      step('dark mode: the toggle switches and is remembered');
      // --- dark mode: the toggle switches and is remembered --------------------------------------------
      await page.getByRole('navigation').getByRole('link', { name: 'posts', exact: true }).click();
      await page.getByRole('button', { name: 'Switch to dark mode' }).click();
      assert.equal(await page.locator("html").getAttribute("data-theme"), 'dark');
      await page.reload();
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor();
      assert.equal(await page.locator("html").getAttribute("data-theme"), 'dark');
      await shot(page, 'records-dark');

      step('bulk delete');
      page.once('dialog', (d) => void d.accept());
      const elsewhere = (await other.collection('posts').getFirstListItem('title = "Written elsewhere"')).id;
      await page.getByLabel(`Select ${elsewhere}`).check();
      await page.getByRole('button', { name: 'Delete selected' }).click();
      await page.getByRole('cell', { name: 'Written elsewhere' }).waitFor({ state: 'detached' });
      assert.deepEqual((await other.collection('posts').getFullList()).map((r) => r.title), ['First post (edited)']);

      step('');
      t.diagnostic(`steps (each until the next): ${steps.join(', ')}`);
      await context.close();
      assert.deepEqual(consoleErrors, [], 'no console errors');
    } catch (err) {
      await reportPages(t, browser, consoleErrors);
      throw err;
    } finally {
      await browser.close();
      await node.cleanup();
    }
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
