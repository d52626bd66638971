/**
 * A small catalogue, tax rates and discount codes, written on first start so the walkthrough and a
 * fresh `galley serve` have something to sell. Fixed ids make it idempotent: an existing record is
 * left as it is (stock and uses are live data).
 */
import type { App } from 'galley';

export const SEED = {
  products: [
    { id: 'prodlamp0000001', name: 'Desk lamp', price: 4900, stock: 100, weightGrams: 1800, active: true },
    { id: 'prodmug00000001', name: 'Enamel mug', price: 1290, stock: 250, weightGrams: 350, active: true },
    { id: 'prodposter00001', name: 'Galley poster', price: 1900, stock: 20, weightGrams: 120, active: true },
  ],
  tax_rates: [
    { id: 'taxde0000000001', country: 'DE', rateBp: 1900 },
    { id: 'taxfr0000000001', country: 'FR', rateBp: 2000 },
    { id: 'taxat0000000001', country: 'AT', rateBp: 2000 },
    { id: 'taxnl0000000001', country: 'NL', rateBp: 2100 },
  ],
  discounts: [
    { id: 'discwelcome0001', code: 'WELCOME10', kind: 'percent', value: 10, active: true, maxUses: 0, uses: 0 },
    { id: 'discfiveoff0001', code: 'FIVEOFF', kind: 'fixed', value: 500, active: true, maxUses: 100, uses: 0 },
    { id: 'disconce0000001', code: 'ONCE', kind: 'fixed', value: 1000, active: true, maxUses: 1, uses: 0 },
    { id: 'discsummer25001', code: 'SUMMER25', kind: 'percent', value: 25, active: true, maxUses: 0, uses: 0, validUntil: '2025-09-01 00:00:00.000Z' },
  ],
} as const;

export async function seedShop(app: App): Promise<void> {
  await app.transaction(async (tx) => {
    for (const [collection, rows] of Object.entries(SEED)) {
      for (const row of rows) {
        if (!(await tx.records.get(collection, row.id))) await tx.records.create(collection, { ...row });
      }
    }
  });
}
