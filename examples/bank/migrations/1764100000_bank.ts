// The bank's schema. Money is an integer number of cents. Customers may read their own accounts,
// ledger lines, transfers and audit trail, open an account and schedule bills; everything that
// moves money (entries, transfers, balances, audit) has null write rules: only the app's code
// writes it, inside transactions (see ../ledger.ts). null rules still let superusers through the
// API, so ../galley.config.ts also refuses API writes to those collections for superusers.
import type { Migration } from 'galley/migrations';

const cents = { type: 'number', onlyInt: true, required: true } as const;
const created = { name: 'created', type: 'autodate', onCreate: true, onUpdate: false } as const;
/** Readable by `read`, written by the app only. */
const appWritten = (read: string) => ({ listRule: read, viewRule: read, createRule: null, updateRule: null, deleteRule: null });

export default {
  async up(app) {
    const users = app.collections.find('users');
    if (!users) throw new Error('the built-in users collection is missing');

    const accounts = await app.collections.create({
      name: 'accounts',
      type: 'base',
      fields: [
        // Empty for the bank's own treasury accounts (the counterpart of deposits).
        { name: 'owner', type: 'relation', collectionId: users.id, maxSelect: 1 },
        { name: 'name', type: 'text', required: true, min: 1, max: 100, presentable: true },
        { name: 'currency', type: 'text', required: true, pattern: '^[A-Z]{3}$' },
        { name: 'kind', type: 'select', values: ['customer', 'treasury'], maxSelect: 1, required: true },
        // Never set through the API: the create rule forbids it and only guarded SQL changes it.
        { name: 'balance', type: 'number', onlyInt: true },
        created,
        { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
      ],
      indexes: ['CREATE INDEX "idx_accounts_owner" ON "accounts" ("owner")'],
      listRule: 'owner = @request.auth.id',
      viewRule: 'owner = @request.auth.id',
      createRule:
        '@request.auth.collectionName = "users" && @request.body.owner = @request.auth.id' +
        ' && @request.body.kind = "customer" && (@request.body.balance:isset = false || @request.body.balance = 0)',
      updateRule: null,
      deleteRule: null,
    });

    const transfers = await app.collections.create({
      name: 'transfers',
      type: 'base',
      fields: [
        { name: 'from', type: 'relation', collectionId: accounts.id, maxSelect: 1, required: true },
        { name: 'to', type: 'relation', collectionId: accounts.id, maxSelect: 1, required: true },
        { name: 'amount', ...cents, min: 1 },
        { name: 'currency', type: 'text', required: true },
        { name: 'kind', type: 'select', values: ['transfer', 'bill', 'deposit'], maxSelect: 1, required: true },
        { name: 'memo', type: 'text', max: 200 },
        // Who asked for it: the customer, or empty for bills and deposits.
        { name: 'initiator', type: 'relation', collectionId: users.id, maxSelect: 1 },
        created,
      ],
      ...appWritten('from.owner = @request.auth.id || to.owner = @request.auth.id'),
    });

    // The double-entry ledger: each transfer is one debit (negative) and one credit line, summing to 0.
    await app.collections.create({
      name: 'entries',
      type: 'base',
      fields: [
        { name: 'transfer', type: 'relation', collectionId: transfers.id, maxSelect: 1, required: true },
        { name: 'account', type: 'relation', collectionId: accounts.id, maxSelect: 1, required: true },
        { name: 'amount', ...cents },
        created,
      ],
      indexes: ['CREATE INDEX "idx_entries_account" ON "entries" ("account")'],
      ...appWritten('account.owner = @request.auth.id'),
    });

    // Creating a bill needs an MFA session, like a transfer; the app file checks the accounts.
    await app.collections.create({
      name: 'bills',
      type: 'base',
      fields: [
        { name: 'owner', type: 'relation', collectionId: users.id, maxSelect: 1, required: true },
        { name: 'from', type: 'relation', collectionId: accounts.id, maxSelect: 1, required: true },
        { name: 'payee', type: 'relation', collectionId: accounts.id, maxSelect: 1, required: true },
        { name: 'amount', ...cents, min: 1 },
        { name: 'memo', type: 'text', max: 200 },
        { name: 'dueAt', type: 'date', required: true },
        // Optional cron expression (UTC): after each due date the next one is computed from it.
        { name: 'repeat', type: 'text', max: 100 },
        { name: 'status', type: 'select', values: ['scheduled', 'done'], maxSelect: 1 },
        { name: 'runs', type: 'number', onlyInt: true },
        { name: 'lastResult', type: 'select', values: ['paid', 'failed'], maxSelect: 1 },
        { name: 'lastError', type: 'text', max: 500 },
        created,
        { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
      ],
      listRule: 'owner = @request.auth.id',
      viewRule: 'owner = @request.auth.id',
      createRule: '@request.auth.amr.mfa = true && @request.body.owner = @request.auth.id',
      updateRule: null,
      deleteRule: 'owner = @request.auth.id',
    });

    // Append-only: every transfer, bill payment and refused attempt, written in the same transaction.
    await app.collections.create({
      name: 'audit',
      type: 'base',
      fields: [
        { name: 'owner', type: 'relation', collectionId: users.id, maxSelect: 1 },
        {
          name: 'action',
          type: 'select',
          maxSelect: 1,
          required: true,
          values: ['transfer', 'transfer_refused', 'bill_paid', 'bill_failed', 'deposit'],
        },
        { name: 'transfer', type: 'relation', collectionId: transfers.id, maxSelect: 1 },
        // Text, not a relation: the trail outlives a deleted bill.
        { name: 'bill', type: 'text' },
        { name: 'due', type: 'text' },
        { name: 'from', type: 'text' },
        { name: 'to', type: 'text' },
        { name: 'amount', type: 'number', onlyInt: true },
        { name: 'reason', type: 'text', max: 500 },
        created,
      ],
      indexes: ['CREATE INDEX "idx_audit_owner" ON "audit" ("owner")'],
      ...appWritten('owner = @request.auth.id'),
    });
  },

  async down(app) {
    for (const name of ['audit', 'bills', 'entries', 'transfers', 'accounts']) await app.collections.delete(name);
  },
} satisfies Migration;
