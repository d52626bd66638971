/**
 * The bank's double-entry ledger. Money moves only through `move()`, inside `ledgerTransaction()`:
 * one transaction that takes the amount off one account with a guarded decrement (never below 0),
 * adds it to the other, writes the transfer, its two ledger lines (-amount, +amount) and an audit
 * entry. A refused attempt changes no balance and writes only its audit entry, in the same
 * transaction. The hooks in galley.config.ts refuse every other write to the ledger collections.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
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
  /** The bill's due date being paid. */
  due?: string;
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
  // Read and lock both rows in id order before changing them: two opposite transfers then queue
  // instead of deadlocking on PostgreSQL. SQLite's single writer already serialises transactions.
  const rows = await tx.all<{ id: string; owner: string; currency: string; kind: string; balance: number }>(
    `SELECT "id", "owner", "currency", "kind", "balance" FROM "accounts" WHERE "id" IN (?, ?) ORDER BY "id"${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
    [m.from, m.to],
  );
  const from = rows.find((r) => r.id === m.from);
  const to = rows.find((r) => r.id === m.to);

  // The trail it goes to: the customer who asked, else the paying customer (a bill), else the payee (a deposit).
  const owner = m.initiator ?? (from?.owner || to?.owner || '');
  const [okAction, refusedAction] = AUDIT_ACTIONS[m.kind];
  const audit = (action: string, extra: { transfer?: string; reason?: string }) =>
    insert(tx, 'audit', [{ owner, action, transfer: '', bill: m.bill ?? '', due: m.due ?? '', from: m.from, to: m.to, amount: m.amount, reason: '', ...extra }]);
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
  await insert(tx, 'entries', [
    { transfer: String(transfer.id), account: m.from, amount: -m.amount },
    { transfer: String(transfer.id), account: m.to, amount: m.amount },
  ]);
  await audit(okAction, { transfer: String(transfer.id) });
  // The row is locked (PostgreSQL) or the writer is ours (SQLite): what we read is what we changed.
  return { ok: true, transfer, balance: Number(from.balance ?? 0) - m.amount };
}

/** Galley's datetime text (what `date` and `autodate` fields store). */
export function galleyDate(d: Date): string {
  return d.toISOString().replace('T', ' ');
}

/**
 * Ledger lines and audit entries have fixed shapes written only here, so they skip the record
 * layer's validation and hooks (a third of a transfer's cost) and go in as plain parameterised SQL.
 */
async function insert(tx: AppTransaction, table: 'entries' | 'audit', rows: Array<Record<string, string | number>>): Promise<void> {
  const created = galleyDate(new Date());
  const full = rows.map((r) => ({ id: recordId(), ...r, created }));
  const columns = Object.keys(full[0]!);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  await tx.run(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${full.map(() => tuple).join(', ')}`,
    full.flatMap((r) => columns.map((c) => r[c as keyof typeof r]!)),
  );
}

/** A record id as Galley makes them: 15 characters of [a-z0-9]. */
function recordId(): string {
  return Array.from(randomBytes(15), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

/** The bank's own account of a currency (created on first use): the other side of deposits. */
export async function treasury(tx: AppTransaction, currency: string): Promise<string> {
  // A fixed id per currency and ON CONFLICT: two first deposits at once make one treasury (on
  // PostgreSQL the second INSERT waits for the first to commit, then does nothing).
  const id = `treasury${currency.toLowerCase()}`.padEnd(15, '0');
  const now = galleyDate(new Date());
  await tx.run(
    'INSERT INTO "accounts" ("id", "name", "currency", "kind", "balance", "created", "updated") VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT ("id") DO NOTHING',
    [id, `Treasury ${currency}`, currency, 'treasury', now, now],
  );
  return id;
}
