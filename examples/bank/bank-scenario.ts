/**
 * The bank example under load and in its edge cases, against a built `galley serve --app
 * examples/bank/galley.config.ts` child process (SQLite or PostgreSQL), through HTTP only:
 * 2,000 concurrent random transfers among 50 accounts keep the ledger balanced; a retried transfer
 * moves money once; a password-only session is refused; a bill's due date is paid once even when
 * its job runs three times; a bill without funds fails cleanly; the audit trail refuses API writes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { eventually } from '../../src/testing/eventually.js';
import { createTestPostgres, requireService } from '../../src/testing/services.js';
import { repoRoot } from '../../test/cluster/galley-launcher.js';
import { runGalley, startGalleyNode } from '../../test/cluster/galley-node.js';
import { BankClient, mfaCustomer, type Customer } from './bank-client.js';

// What a user runs: the built bin (CI builds dist/ first; after changing src/, npm run build).
process.env.GALLEY_TEST_LAUNCHER ??= 'bin';

const START = 10_000;
const ADMIN = { identity: 'admin@bank.test', password: 'correct-horse-battery' };

interface Account {
  id: string;
  owner: Customer;
}

interface Bank {
  c: BankClient;
  admin: string;
  customers: Customer[];
  accounts: Account[];
}

export async function bankScenario(t: TestContext, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
  const dir = await mkdtemp(join(tmpdir(), 'galley-bank-'));
  const pg = dialect === 'postgres' ? await createTestPostgres('bank') : undefined;
  const db = pg ? ['--db', pg.url] : [];
  try {
    const node = await startGalleyNode(`bank-${dialect}`, ['--app', 'examples/bank/galley.config.ts', '--dir', dir, '--http', '127.0.0.1:0', ...db], { cwd: repoRoot });
    const c = new BankClient(node.url);
    try {
      const su = await runGalley(['superuser', 'upsert', ADMIN.identity, ADMIN.password, '--dir', dir, ...db], { cwd: repoRoot });
      assert.equal(su.code, 0, su.stderr);
      const bank = await openBank(c);
      await t.test('2,000 concurrent random transfers among 50 accounts keep the ledger balanced', () => concurrentTransfers(bank));
      await t.test('a transfer retried with the same Idempotency-Key moves money once', () => retriedTransfer(bank));
      await t.test('a password-only session cannot transfer; a missing key is a 400', () => passwordOnly(bank));
      await t.test('a bill is paid once per due date even when its job runs three times; no funds fails cleanly; repeats', () => billsOnce(bank));
      await t.test('the audit trail and the books cannot be written through the API', () => auditReadOnly(bank));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- server log:\n${node.output().slice(-4000)}`, { cause: err });
    } finally {
      c.close();
      await node.stop();
    }
  } finally {
    await pg?.drop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** 10 customers signed in with password + TOTP, 5 accounts each, START cents deposited in each. */
async function openBank(c: BankClient): Promise<Bank> {
  const admin = (await c.ok('POST', '/api/collections/_superusers/auth-with-password', { body: ADMIN })).token as string;
  const customers = await Promise.all(Array.from({ length: 10 }, (_, i) => mfaCustomer(c, `customer${i}@bank.test`)));
  const accounts = await Promise.all(
    customers.flatMap((owner) =>
      Array.from({ length: 5 }, async (_, j): Promise<Account> => {
        const body = { owner: owner.id, name: `Account ${j}`, currency: 'EUR', kind: 'customer' };
        return { id: (await c.ok('POST', '/api/collections/accounts/records', { token: owner.passwordToken, body })).id, owner };
      }),
    ),
  );
  await Promise.all(
    accounts.map((a) => c.ok('POST', '/api/bank/deposits', { token: admin, body: { account: a.id, amount: START }, headers: { 'idempotency-key': `open-${a.id}` } })),
  );
  return { c, admin, customers, accounts };
}

function transfer(b: Bank, from: Account, to: string, amount: number, key: string, memo = '') {
  return b.c.call('POST', '/api/bank/transfers', { token: from.owner.token, body: { from: from.id, to, amount, memo }, headers: { 'idempotency-key': key } });
}

async function balance(b: Bank, id: string): Promise<number> {
  return (await b.c.ok('GET', `/api/collections/accounts/records/${id}`, { token: b.admin })).balance as number;
}

async function count(b: Bank, collection: string, filter: string): Promise<number> {
  const q = new URLSearchParams({ filter, perPage: '1' });
  return (await b.c.ok('GET', `/api/collections/${collection}/records?${q}`, { token: b.admin })).totalItems as number;
}

async function listAll(b: Bank, collection: string): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  for (let page = 1; ; page++) {
    const r = await b.c.ok('GET', `/api/collections/${collection}/records?page=${page}&perPage=1000&sort=@rowid`, { token: b.admin });
    items.push(...r.items);
    if (page >= r.totalPages) return items;
  }
}

async function concurrentTransfers(b: Bank): Promise<void> {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const replies = await Promise.all(
    Array.from({ length: 2000 }, (_, i) => {
      const from = b.accounts[rnd(50)]!;
      let to = b.accounts[rnd(50)]!;
      if (to === from) to = b.accounts[(b.accounts.indexOf(from) + 1) % 50]!;
      return transfer(b, from, to.id, 1 + rnd(6000), `load-${i}`);
    }),
  );
  const moved = replies.filter((r) => r.status === 200).length;
  const refused = replies.filter((r) => r.status === 409 && r.body?.data?.amount?.code === 'insufficient_funds').length;
  assert.equal(moved + refused, 2000, `unexpected answers: ${JSON.stringify(replies.find((r) => r.status !== 200 && r.status !== 409)?.body)}`);
  assert.ok(moved > 1000, `only ${moved} transfers went through`);

  // The books, read back through the API and checked here (not by the app's own /api/bank/books).
  const accounts = await listAll(b, 'accounts');
  const entries = await listAll(b, 'entries');
  const lines = new Map<string, number>();
  for (const e of entries) lines.set(e.account, (lines.get(e.account) ?? 0) + e.amount);
  const customers = accounts.filter((a) => a.kind === 'customer');
  assert.equal(customers.length, 50);
  assert.equal(entries.reduce((s, e) => s + e.amount, 0), 0, 'the ledger lines sum to 0');
  assert.deepEqual(accounts.filter((a) => a.balance !== (lines.get(a.id) ?? 0)).map((a) => a.id), [], 'every balance is the sum of its lines');
  assert.ok(customers.every((a) => a.balance >= 0), 'no negative balance');
  assert.equal(customers.reduce((s, a) => s + a.balance, 0), 50 * START, 'money is neither created nor lost');
  assert.equal(entries.length, 2 * (50 + moved), 'two lines per transfer and deposit');
  assert.equal(await count(b, 'transfers', "kind = 'transfer'"), moved);
  assert.equal(await count(b, 'audit', "action = 'transfer'"), moved);
  assert.equal(await count(b, 'audit', "action = 'transfer_refused'"), refused);
  const books = await b.c.ok('GET', '/api/bank/books', { token: b.admin });
  assert.equal(books.balanced, true, JSON.stringify(books));
}

async function retriedTransfer(b: Bank): Promise<void> {
  const [from, to] = [...b.accounts].sort((x, y) => y.id.localeCompare(x.id));
  // Top the account up so the transfer cannot fail for lack of money after the load test.
  await b.c.ok('POST', '/api/bank/deposits', { token: b.admin, body: { account: from!.id, amount: 500 }, headers: { 'idempotency-key': 'top-up' } });
  const [before, beforeTo] = [await balance(b, from!.id), await balance(b, to!.id)];
  const send = () => transfer(b, from!, to!.id, 321, 'pay-rent-1', 'rent');
  const first = await Promise.all(Array.from({ length: 5 }, send));
  // One ran; the others were answered 409 while it ran, or got its replay.
  assert.ok(first.some((r) => r.status === 200), JSON.stringify(first.map((r) => r.status)));
  assert.ok(first.every((r) => r.status === 200 || (r.status === 409 && /still being processed/.test(r.body.message))), JSON.stringify(first.map((r) => r.body)));
  const later = await send();
  assert.equal(later.status, 200);
  assert.equal(later.headers['idempotent-replayed'], 'true');
  assert.equal(later.body.transfer.id, first.find((r) => r.status === 200)!.body.transfer.id);
  assert.equal(await balance(b, from!.id), before - 321);
  assert.equal(await balance(b, to!.id), beforeTo + 321);
  assert.equal(await count(b, 'transfers', "memo = 'rent'"), 1);
  // The same key with another body is not the same request.
  const other = await transfer(b, from!, to!.id, 322, 'pay-rent-1', 'rent');
  assert.equal(other.status, 422);
}

async function passwordOnly(b: Bank): Promise<void> {
  const a = b.accounts[0]!;
  const before = await balance(b, a.id);
  const r = await b.c.call('POST', '/api/bank/transfers', {
    token: a.owner.passwordToken,
    body: { from: a.id, to: b.accounts[1]!.id, amount: 1 },
    headers: { 'idempotency-key': 'password-only' },
  });
  assert.equal(r.status, 403);
  assert.equal(r.body.data.mfa.code, 'mfa_required');
  // The refusal came before the key was claimed: the same key goes through from an MFA session.
  const retried = await b.c.call('POST', '/api/bank/transfers', {
    token: a.owner.token,
    body: { from: a.id, to: b.accounts[1]!.id, amount: 1 },
    headers: { 'idempotency-key': 'password-only' },
  });
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.headers['idempotent-replayed'], undefined);
  const noKey = await b.c.call('POST', '/api/bank/transfers', { token: a.owner.token, body: { from: a.id, to: b.accounts[1]!.id, amount: 1 } });
  assert.equal(noKey.status, 400);
  assert.match(noKey.body.message, /Idempotency-Key/);
  // Bills need MFA too (the create rule reads @request.auth.amr.mfa).
  const bill = { owner: a.owner.id, from: a.id, payee: b.accounts[1]!.id, amount: 1, dueAt: '2030-01-01 00:00:00.000Z' };
  assert.notEqual((await b.c.call('POST', '/api/collections/bills/records', { token: a.owner.passwordToken, body: bill })).status, 200);
  assert.equal(await balance(b, a.id), before - 1);
}

async function billsOnce(b: Bank): Promise<void> {
  const payer = b.accounts[10]!;
  const payee = b.accounts[20]!;
  await b.c.ok('POST', '/api/bank/deposits', { token: b.admin, body: { account: payer.id, amount: 1000 }, headers: { 'idempotency-key': 'bill-funds' } });
  const [before, beforePayee] = [await balance(b, payer.id), await balance(b, payee.id)];
  const future = new Date(Date.now() + 3_600_000).toISOString().replace('T', ' ');
  const bill = await b.c.ok('POST', '/api/collections/bills/records', {
    token: payer.owner.token,
    body: { owner: payer.owner.id, from: payer.id, payee: payee.id, amount: 777, memo: 'power', dueAt: future },
  });
  assert.equal(bill.status, 'scheduled');
  // The scheduled job waits an hour; three operators press "pay now" at once: three jobs, one due date.
  const jobs = await Promise.all(Array.from({ length: 3 }, () => b.c.ok('POST', `/api/bank/bills/${bill.id}/pay-now`, { token: b.admin })));
  const finished = async () => Promise.all(jobs.map(async (j) => (await b.c.ok('GET', `/api/jobs/${j.job}`, { token: b.admin })) as Record<string, any>));
  await eventually(async () => (await finished()).every((j) => j.state === 'completed'), 'the three pay-now jobs completed', { timeoutMs: 30_000, intervalMs: 100 });
  const results = (await finished()).map((j) => j.result);
  assert.equal(results.filter((r) => r?.paid === true).length, 1, JSON.stringify(results));
  assert.equal(results.filter((r) => typeof r?.skipped === 'string').length, 2, JSON.stringify(results));
  const after = await b.c.ok('GET', `/api/collections/bills/records/${bill.id}`, { token: payer.owner.token });
  assert.deepEqual([after.status, after.runs, after.lastResult], ['done', 1, 'paid']);
  assert.equal(await balance(b, payer.id), before - 777);
  assert.equal(await balance(b, payee.id), beforePayee + 777);
  assert.equal(await count(b, 'audit', `action = 'bill_paid' && bill = '${bill.id}'`), 1);

  // Due now, more than the account holds: the job records the failure and moves nothing.
  const now = new Date().toISOString().replace('T', ' ');
  const broke = await b.c.ok('POST', '/api/collections/bills/records', {
    token: payer.owner.token,
    body: { owner: payer.owner.id, from: payer.id, payee: payee.id, amount: 10_000_000, memo: 'yacht', dueAt: now },
  });
  const read = () => b.c.ok('GET', `/api/collections/bills/records/${broke.id}`, { token: payer.owner.token });
  await eventually(async () => (await read()).runs === 1, 'the unfunded bill ran', { timeoutMs: 30_000, intervalMs: 100 });
  const failed = await read();
  assert.deepEqual([failed.status, failed.lastResult, failed.lastError], ['done', 'failed', 'Insufficient funds.']);
  assert.equal(await balance(b, payer.id), before - 777);
  assert.equal(await count(b, 'audit', `action = 'bill_failed' && bill = '${broke.id}'`), 1);
  assert.equal(await count(b, 'transfers', `kind = 'bill'`), 1);

  // Repeating every second (a cron expression with seconds): each due date is paid once, then the next is scheduled.
  const ticking = await b.c.ok('POST', '/api/collections/bills/records', {
    token: payer.owner.token,
    body: { owner: payer.owner.id, from: payer.id, payee: payee.id, amount: 1, memo: 'tick', dueAt: now, repeat: '* * * * * *' },
  });
  const paid = () => count(b, 'audit', `action = 'bill_paid' && bill = '${ticking.id}'`);
  await eventually(async () => (await paid()) >= 3, 'the repeating bill was paid three times', { timeoutMs: 60_000, intervalMs: 200 });
  // Deleting the bill stops it: its queued job finds no bill.
  await b.c.ok('DELETE', `/api/collections/bills/records/${ticking.id}`, { token: payer.owner.token }, 204);
  const trail = await b.c.ok('GET', `/api/collections/audit/records?perPage=500&filter=${encodeURIComponent(`bill = '${ticking.id}'`)}`, { token: b.admin });
  const dues = trail.items.map((e: { due: string }) => e.due);
  assert.equal(new Set(dues).size, dues.length, `a due date paid twice: ${dues.join(', ')}`);
  assert.ok(trail.items.every((e: { action: string }) => e.action === 'bill_paid'));
  assert.equal(await count(b, 'transfers', `kind = 'bill' && memo = 'tick'`), dues.length);
}

async function auditReadOnly(b: Bank): Promise<void> {
  const owner = b.accounts[0]!.owner;
  const mine = await b.c.ok('GET', '/api/collections/audit/records?perPage=1', { token: owner.token });
  const entry = mine.items[0];
  assert.ok(entry, 'the customer sees their audit trail');
  const others = await b.c.ok('GET', `/api/collections/audit/records?filter=${encodeURIComponent(`owner != '${owner.id}'`)}`, { token: owner.token });
  assert.equal(others.totalItems, 0, "no one else's entries");
  const path = `/api/collections/audit/records/${entry.id}`;
  assert.equal((await b.c.call('PATCH', path, { token: owner.token, body: { amount: 1 } })).status, 403);
  assert.equal((await b.c.call('DELETE', path, { token: owner.token })).status, 403);
  for (const [method, url, body] of [
    ['PATCH', path, { amount: 1 }],
    ['DELETE', path, undefined],
    ['POST', '/api/collections/audit/records', { owner: owner.id, action: 'deposit', amount: 1 }],
    ['PATCH', `/api/collections/accounts/records/${b.accounts[0]!.id}`, { balance: 1_000_000 }],
    ['POST', '/api/collections/accounts/records', { owner: owner.id, name: 'Gift', currency: 'EUR', kind: 'customer', balance: 1_000_000 }],
  ] as const) {
    const r = await b.c.call(method, url, { token: b.admin, ...(body ? { body } : {}) });
    assert.ok(r.status === 403 || r.status === 400, `${method} ${url} as a superuser: ${r.status} ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual(await b.c.ok('GET', path, { token: owner.token }), entry);
  const books = await b.c.ok('GET', '/api/bank/books', { token: b.admin });
  assert.equal(books.balanced, true, JSON.stringify(books));
}
