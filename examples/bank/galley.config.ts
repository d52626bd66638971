/**
 * The bank example's app file: `npx galley serve --app examples/bank/galley.config.ts`.
 * Schema: ./migrations. Money movements: ./ledger.ts. Scheduled bills: ./bills.ts.
 */
import { apiError, defineApp } from 'galley';
import type { RecordWriteEvent, RouteEvent } from 'galley';
import { z } from 'zod';
import { PAY_BILL, defineBillJobs, enqueuePayment, nextDue } from './bills.js';
import { ledgerTransaction, move, treasury, writingLedger, type MoveResult } from './ledger.js';

const recordId = z.string().regex(/^[a-z0-9]{15}$/, 'Must be a record id.');
// Integer cents, within the range both databases and JSON hold exactly.
const cents = z.number().int().positive().max(Number.MAX_SAFE_INTEGER / 1000);
const memo = z.string().max(200).optional();

function refused(e: RouteEvent<unknown, unknown>, r: Extract<MoveResult, { ok: false }>): Error {
  switch (r.refusal) {
    case 'insufficient_funds':
      return e.error('conflict', r.reason, { amount: { code: 'insufficient_funds', message: r.reason } });
    case 'unknown_account':
      return e.error('not_found', r.reason);
    default:
      return e.error('validation_failed', undefined, { to: { code: r.refusal, message: r.reason } });
  }
}

export default defineApp((app) => {
  // The books are written by this app's code only (ledger.ts), never through the records API,
  // not even by a superuser, whose requests skip the null API rules.
  const appOnly = async (e: RecordWriteEvent & { next(): Promise<void> }): Promise<void> => {
    if (!writingLedger()) throw apiError('forbidden', `${e.collection.name} records are written by the bank only.`);
    await e.next();
  };
  app.hooks.onRecordCreate.on('transfers', 'entries', 'audit').bindFunc(appOnly);
  app.hooks.onRecordUpdate.on('accounts', 'transfers', 'entries', 'audit').bindFunc(appOnly);
  app.hooks.onRecordDelete.on('accounts', 'transfers', 'entries', 'audit').bindFunc(appOnly);
  app.hooks.onRecordValidate.on('accounts').bindFunc(async (e) => {
    // An account opened through the API starts empty; money arrives as a deposit or a transfer.
    if (!writingLedger() && Number(e.record.balance ?? 0) !== 0) e.addError('balance', 'A new account starts at 0.');
    if (!writingLedger() && e.record.kind === 'treasury') e.addError('kind', 'Only the bank opens treasury accounts.');
    await e.next();
  });

  app.routes.post('/api/bank/transfers', async (e) => {
    const auth = e.requireAuth('users');
    const { from, to, amount, memo } = e.body;
    const result = await ledgerTransaction(app, (tx) => move(tx, { from, to, amount, memo, kind: 'transfer', initiator: auth.record.id }));
    if (!result.ok) throw refused(e, result);
    return { transfer: result.transfer, balance: result.balance };
  }, {
    auth: 'users',
    // Checked before the Idempotency-Key is claimed: a password-only try stores nothing under the
    // key, so the same key works once the user has signed in with a second factor.
    mfa: true,
    idempotent: 'required',
    summary: 'Move money from one of your accounts to another account (MFA session and Idempotency-Key required)',
    tags: ['bank'],
    schema: { body: z.object({ from: recordId, to: recordId, amount: cents, memo }) },
  });

  app.routes.post('/api/bank/deposits', async (e) => {
    const { account, amount, memo } = e.body;
    const result = await ledgerTransaction(app, async (tx) => {
      const target = await tx.records.get('accounts', account);
      if (!target || target.kind !== 'customer') return undefined;
      return move(tx, { from: await treasury(tx, String(target.currency)), to: account, amount, memo, kind: 'deposit' });
    });
    if (!result) throw e.error('not_found', 'Unknown account.');
    if (!result.ok) throw refused(e, result);
    return { transfer: result.transfer };
  }, {
    auth: 'superuser',
    idempotent: 'required',
    summary: "Credit a customer's account from the bank's treasury (superusers)",
    tags: ['bank'],
    schema: { body: z.object({ account: recordId, amount: cents, memo }) },
  });

  // Reconciliation: every account's balance against the sum of its ledger lines.
  app.routes.get('/api/bank/books', async () => {
    const rows = await app.db.all<{ id: string; kind: string; balance: unknown; ledger: unknown }>(
      'SELECT a."id", a."kind", a."balance", COALESCE(SUM(e."amount"), 0) AS "ledger" FROM "accounts" a LEFT JOIN "entries" e ON e."account" = a."id" GROUP BY a."id", a."kind", a."balance"',
    );
    const sum = await app.db.get<{ s: unknown }>('SELECT COALESCE(SUM("amount"), 0) AS "s" FROM "entries"');
    const mismatched = rows.filter((r) => Number(r.balance) !== Number(r.ledger)).map((r) => r.id);
    const negative = rows.filter((r) => r.kind === 'customer' && Number(r.balance) < 0).map((r) => r.id);
    const entriesSum = Number(sum?.s ?? 0);
    return { accounts: rows.length, entriesSum, mismatched, negative, balanced: entriesSum === 0 && mismatched.length === 0 && negative.length === 0 };
  }, { auth: 'superuser', summary: 'Check that the ledger balances (superusers)', tags: ['bank'] });

  // Bills: the create rule asks for an MFA session; here, that the accounts fit and the schedule parses.
  app.hooks.onRecordValidate.on('bills').bindFunc(async (e) => {
    if (e.original === undefined) {
      const [from, payee] = await app.transaction(async (tx) => [
        await tx.records.get('accounts', String(e.record.from ?? '')),
        await tx.records.get('accounts', String(e.record.payee ?? '')),
      ]);
      if (from && (from.owner !== e.record.owner || from.kind !== 'customer')) e.addError('from', 'Must be one of your accounts.');
      if (from && payee && (payee.id === from.id || payee.currency !== from.currency)) {
        e.addError('payee', 'Must be another account in the same currency.');
      }
      const repeat = String(e.record.repeat ?? '');
      if (repeat) {
        try {
          nextDue(repeat, new Date());
        } catch {
          e.addError('repeat', 'Must be a cron expression (5 fields, or 6 with seconds first).');
        }
      }
    }
    await e.next();
  });
  app.hooks.onRecordCreate.on('bills').bindFunc(async (e) => {
    Object.assign(e.record, { status: 'scheduled', runs: 0, lastResult: '', lastError: '' });
    await e.next();
    // In the create's transaction: the job exists exactly when the bill does.
    await enqueuePayment(app, { bill: String(e.record.id), due: String(e.record.dueAt) });
  });
  // An operator's "pay it now" of the bill's current due date: a job of its own, deliberately without
  // the schedule's dedup key. Whichever job comes first pays; the locked bill row makes the others skip.
  app.routes.post('/api/bank/bills/:id/pay-now', async (e) => {
    const bill = await app.transaction((tx) => tx.records.get('bills', String(e.params.id)));
    if (!bill) throw e.error('not_found', 'No bill with this id.');
    const { id } = await app.jobs.enqueue(PAY_BILL, { bill: bill.id, due: bill.dueAt });
    return { job: id, due: bill.dueAt };
  }, { auth: 'superuser', summary: 'Pay the current due date of a bill now (superusers)', tags: ['bank'] });
  defineBillJobs(app);
});
