/**
 * Scheduled bill payments. A bill has a due date (`dueAt`) and, optionally, a cron expression
 * (`repeat`). Each due date is one delayed job `bank.bills.pay` with payload `{bill, due}`; a
 * repeating bill enqueues its next due date in the transaction that settles the current one.
 * A cron sweep every minute re-enqueues due bills whose job went missing (deduplicated by key).
 *
 * Exactly once per due date, even if a job runs twice: the payment and `ctx.once`'s stored marker
 * commit in one transaction (a retry after the commit skips the step), and the bill row, locked,
 * must still be scheduled for that very due date (a second job for the same date finds it moved on).
 */
import { Cron } from 'croner';
import type { App, AppTransaction } from 'galley';
import { galleyDate, ledgerTransaction, move } from './ledger.js';

export const PAY_BILL = 'bank.bills.pay';
export const SWEEP_BILLS = 'bank.bills.sweep';

export interface PayBill {
  bill: string;
  /** The due date being paid, as stored on the bill (`2026-01-31 09:00:00.000Z`). */
  due: string;
}

export function parseGalleyDate(s: string): Date {
  return new Date(s.replace(' ', 'T'));
}

/** The next due date of a repeating bill after `after`, or null. Throws on a bad expression. */
export function nextDue(repeat: string, after: Date): Date | null {
  return new Cron(repeat, { timezone: 'UTC' }).nextRun(after);
}

export function enqueuePayment(app: App, p: PayBill): Promise<unknown> {
  // The key makes a second enqueue of the same due date (the sweep, a hook run twice) a no-op
  // while the first job is unfinished; after it finished, the bill row's guard takes over.
  return app.jobs.enqueue(PAY_BILL, p, { runAt: parseGalleyDate(p.due), dedupKey: `bill:${p.bill}:${p.due}` });
}

export type PaymentOutcome =
  | { skipped: string }
  | { paid: true; transfer: string; next: string | null }
  | { paid: false; reason: string; next: string | null };

async function settle(app: App, tx: AppTransaction, p: PayBill): Promise<PaymentOutcome> {
  const bill = await tx.records.get('bills', p.bill, { forUpdate: true });
  if (!bill) return { skipped: 'the bill was deleted' };
  if (bill.status !== 'scheduled' || bill.dueAt !== p.due) return { skipped: 'this due date was already settled' };

  const result = await move(tx, { from: String(bill.from), to: String(bill.payee), amount: Number(bill.amount), kind: 'bill', bill: p.bill, due: p.due, memo: String(bill.memo ?? '') });
  const repeat = String(bill.repeat ?? '');
  const due = parseGalleyDate(p.due);
  // A late run (the server was down) skips the missed dates rather than paying them all at once.
  const next = repeat ? nextDue(repeat, new Date(Math.max(Date.now(), due.getTime()))) : null;
  const nextText = next ? galleyDate(next) : null;
  await tx.records.update('bills', p.bill, {
    runs: Number(bill.runs ?? 0) + 1,
    lastResult: result.ok ? 'paid' : 'failed',
    lastError: result.ok ? '' : result.reason,
    status: nextText ? 'scheduled' : 'done',
    dueAt: nextText ?? p.due,
  });
  if (nextText) await enqueuePayment(app, { bill: p.bill, due: nextText });
  return result.ok ? { paid: true, transfer: String(result.transfer.id), next: nextText } : { paid: false, reason: result.reason, next: nextText };
}

export function defineBillJobs(app: App): void {
  app.jobs.define<PayBill>(PAY_BILL, (ctx) =>
    // ctx.once's marker is written through app.db, so it commits with the payment or not at all.
    ledgerTransaction(app, (tx) => ctx.once(`settle ${ctx.payload.due}`, () => settle(app, tx, ctx.payload))),
  );

  app.jobs.define(SWEEP_BILLS, async () => {
    const due = await app.transaction((tx) =>
      tx.records.list('bills', { filter: `status = 'scheduled' && dueAt <= '${galleyDate(new Date())}'`, perPage: 500, skipTotal: true }),
    );
    for (const bill of due.items) await enqueuePayment(app, { bill: String(bill.id), due: String(bill.dueAt) });
    return { enqueued: due.items.length };
  });
  app.cron.add('bank-bills-sweep', '* * * * *', SWEEP_BILLS);
}
