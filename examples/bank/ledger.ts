/**
 * The bank's double-entry ledger. Money moves only through `move()`, inside `ledgerTransaction()`:
 * one transaction that takes the amount off one account with a guarded decrement (never below 0),
 * adds it to the other, writes the transfer, its two ledger lines (-amount, +amount) and an audit
 * entry. A refused attempt changes no balance and writes only its audit entry, in the same
 * transaction. The hooks in galley.config.ts refuse every other write to the ledger collections.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { App, AppTransaction } from 'galley';

type Row = Record<string, unknown>;

// Marks the code paths allowed to write the ledger. Hooks run in the writer's async context, so a
// write made from a request (REST, batch, GraphQL), even a superuser's, is outside it.
const ledgerScope = new AsyncLocalStorage<true>();

export function writingLedger(): boolean {
  return ledgerScope.getStore() === true;
}

export function ledgerTransaction<T>(app: App, fn: (tx: AppTransaction) => Promise<T>): Promise<T> {
  return ledgerScope.run(true, () => app.transaction(fn));
}

export type Refusal = 'unknown_account' | 'same_account' | 'currency_mismatch' | 'insufficient_funds';

const REASONS: Record<Refusal, string> = {
  unknown_account: 'Unknown account.',
  same_account: 'The source and destination accounts are the same.',
  currency_mismatch: 'The two accounts hold different currencies.',
  insufficient_funds: 'Insufficient funds.',
};

export interface Movement {
  from: string;
  to: string;
  /** Cents, > 0. */
  amount: number;
  kind: 'transfer' | 'bill' | 'deposit';
  memo?: string;
  /** The customer asking; `from` must then be one of their accounts. */
  initiator?: string;
  bill?: string;
}

export type MoveResult =
  | { ok: true; transfer: Row; balance: number }
  | { ok: false; refusal: Refusal; reason: string };

const AUDIT_ACTIONS = {
  transfer: ['transfer', 'transfer_refused'],
  bill: ['bill_paid', 'bill_failed'],
  deposit: ['deposit', 'transfer_refused'],
} as const;

/** Moves money inside a ledger transaction; a refusal is recorded, not thrown, so its audit entry commits. */
export async function move(tx: AppTransaction, m: Movement): Promise<MoveResult> {
  // Lock both rows in id order before changing them: two opposite transfers then queue instead of
  // deadlocking on PostgreSQL. SQLite's single writer already serialises transactions.
  if (tx.dialect === 'postgres') {
    await tx.all('SELECT "id" FROM "accounts" WHERE "id" IN (?, ?) ORDER BY "id" FOR UPDATE', [m.from, m.to].sort());
  }
  const from = await tx.records.get('accounts', m.from);
  const to = await tx.records.get('accounts', m.to);

  // The trail it goes to: the customer who asked, else the paying customer (a bill), else the payee (a deposit).
  const owner = m.initiator ?? (from?.owner || to?.owner || '');
  const [okAction, refusedAction] = AUDIT_ACTIONS[m.kind];
  const audit = (action: string, extra: Row): Promise<Row> =>
    tx.records.create('audit', { owner, action, bill: m.bill ?? '', from: m.from, to: m.to, amount: m.amount, ...extra });
  const refuse = async (refusal: Refusal): Promise<MoveResult> => {
    await audit(refusedAction, { reason: REASONS[refusal] });
    return { ok: false, refusal, reason: REASONS[refusal] };
  };
  if (!from || !to || (m.initiator !== undefined && from.owner !== m.initiator)) return refuse('unknown_account');
  if (from.id === to.id) return refuse('same_account');
  if (from.currency !== to.currency) return refuse('currency_mismatch');
  // Customers cannot go below zero; the treasury (the other side of deposits) can.
  const floor = from.kind === 'treasury' ? {} : { min: 0 };
  if (!(await tx.records.decrement('accounts', m.from, 'balance', m.amount, floor))) return refuse('insufficient_funds');
  await tx.records.increment('accounts', m.to, 'balance', m.amount);

  const transfer = await tx.records.create('transfers', {
    from: m.from, to: m.to, amount: m.amount, currency: from.currency, kind: m.kind, memo: m.memo ?? '', initiator: m.initiator ?? '',
  });
  for (const [account, amount] of [[m.from, -m.amount], [m.to, m.amount]] as const) {
    await tx.records.create('entries', { transfer: transfer.id, account, amount });
  }
  await audit(okAction, { transfer: transfer.id });
  // The row is locked (PostgreSQL) or the writer is ours (SQLite): what we read is what we changed.
  return { ok: true, transfer, balance: Number(from.balance ?? 0) - m.amount };
}

/** The bank's own account of a currency (created on first use): the other side of deposits. */
export async function treasury(tx: AppTransaction, currency: string): Promise<string> {
  // A fixed id per currency, so two first deposits cannot create two treasuries.
  const id = `treasury${currency.toLowerCase()}`.padEnd(15, '0');
  const existing = await tx.records.get('accounts', id);
  if (!existing) await tx.records.create('accounts', { id, name: `Treasury ${currency}`, currency, kind: 'treasury', balance: 0 });
  return id;
}
