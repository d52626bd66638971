// The shop's schema. Money is integer cents; weights are grams.
// - products, tax_rates: the public can read; only superusers write (the dashboard or the API).
// - discounts: superusers only (codes are not listable by customers).
// - carts: one per user, read and written only by its owner, so `pb.collection('carts').subscribe`
//   on one device sees the changes made on another.
// - orders: created only by POST /api/shop/checkout (the API cannot create or edit them); a user
//   reads their own.
import type { Migration } from 'galley/migrations';

const own = 'owner = @request.auth.id';

export default {
  async up(app) {
    const users = app.collections.find('users');
    if (!users) throw new Error('the built-in users collection is missing');
    const autodates = [
      { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
    ] as const;

    await app.collections.create({
      name: 'products',
      type: 'base',
      fields: [
        { name: 'name', type: 'text', required: true, max: 200, presentable: true },
        { name: 'price', type: 'number', required: true, onlyInt: true, min: 0 },
        { name: 'stock', type: 'number', onlyInt: true, min: 0 },
        { name: 'weightGrams', type: 'number', onlyInt: true, min: 0 },
        { name: 'active', type: 'bool' },
        ...autodates,
      ],
      listRule: 'active = true',
      viewRule: 'active = true',
    });

    await app.collections.create({
      name: 'tax_rates',
      type: 'base',
      fields: [
        { name: 'country', type: 'text', required: true, min: 2, max: 2, pattern: '^[A-Z]{2}$' },
        { name: 'rateBp', type: 'number', required: true, onlyInt: true, min: 0, max: 10000 },
      ],
      indexes: ['CREATE UNIQUE INDEX "idx_tax_rates_country" ON "tax_rates" ("country")'],
      listRule: '',
      viewRule: '',
    });

    await app.collections.create({
      name: 'discounts',
      type: 'base',
      fields: [
        { name: 'code', type: 'text', required: true, max: 32, pattern: '^[A-Z0-9_-]+$' },
        { name: 'kind', type: 'select', required: true, maxSelect: 1, values: ['percent', 'fixed'] },
        { name: 'value', type: 'number', required: true, onlyInt: true, min: 1 },
        { name: 'active', type: 'bool' },
        { name: 'validFrom', type: 'date' },
        { name: 'validUntil', type: 'date' },
        // 0 = unlimited. `uses` only moves through guarded increments in the checkout transaction.
        { name: 'maxUses', type: 'number', onlyInt: true, min: 0 },
        { name: 'uses', type: 'number', onlyInt: true, min: 0 },
        ...autodates,
      ],
      indexes: ['CREATE UNIQUE INDEX "idx_discounts_code" ON "discounts" ("code")'],
    });

    await app.collections.create({
      name: 'carts',
      type: 'base',
      fields: [
        { name: 'owner', type: 'relation', collectionId: users.id, maxSelect: 1, required: true, cascadeDelete: true },
        // [{ product, qty }]; checked by the onRecordValidate hook in galley.config.ts.
        { name: 'items', type: 'json', maxSize: 20_000 },
        ...autodates,
      ],
      indexes: ['CREATE UNIQUE INDEX "idx_carts_owner" ON "carts" ("owner")'],
      listRule: own,
      viewRule: own,
      createRule: '@request.auth.id != "" && @request.body.owner = @request.auth.id',
      updateRule: `${own} && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`,
      deleteRule: own,
    });

    await app.collections.create({
      name: 'orders',
      type: 'base',
      fields: [
        { name: 'owner', type: 'relation', collectionId: users.id, maxSelect: 1, required: true },
        { name: 'email', type: 'email' },
        { name: 'status', type: 'select', required: true, maxSelect: 1, values: ['reserved', 'paid', 'failed', 'expired'] },
        // A snapshot: [{ product, name, unitPrice, qty, weightGrams }] as sold.
        { name: 'items', type: 'json', maxSize: 100_000 },
        { name: 'country', type: 'text', max: 2 },
        { name: 'speed', type: 'select', maxSelect: 1, values: ['standard', 'express', 'overnight'] },
        { name: 'discountCode', type: 'text', max: 32 },
        { name: 'subtotal', type: 'number', onlyInt: true },
        { name: 'discount', type: 'number', onlyInt: true },
        { name: 'shipping', type: 'number', onlyInt: true },
        { name: 'tax', type: 'number', onlyInt: true },
        { name: 'total', type: 'number', onlyInt: true },
        { name: 'currency', type: 'text', max: 3 },
        { name: 'weightGrams', type: 'number', onlyInt: true },
        { name: 'paymentMethod', type: 'text', max: 100 },
        { name: 'paymentProvider', type: 'text', max: 20 },
        { name: 'paymentId', type: 'text', max: 255 },
        { name: 'clientSecret', type: 'text', max: 255 },
        { name: 'failureReason', type: 'text', max: 500 },
        { name: 'reservedUntil', type: 'date' },
        ...autodates,
      ],
      indexes: [
        'CREATE INDEX "idx_orders_owner" ON "orders" ("owner")',
        'CREATE INDEX "idx_orders_payment" ON "orders" ("paymentId")',
      ],
      listRule: own,
      viewRule: own,
    });
  },

  async down(app) {
    for (const name of ['orders', 'carts', 'discounts', 'tax_rates', 'products']) await app.collections.delete(name);
  },
} satisfies Migration;
