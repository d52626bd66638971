import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Collection, Field } from '../core/schema.js';
import type { Database, SqlParam } from '../db/database.js';
import { eachDatabase } from '../testing/databases.js';
import { CollectionService } from './collection-service.js';
import { rowDecoder } from './record-codec.js';
import type { InPlaceChanges } from './record-modifiers.js';
import { validateValue } from './record-validator.js';
import { knownValuesValid, validityCondition } from './validity-sql.js';

const fieldNamed = (c: Collection, name: string): Field => c.fields.find((f) => f.name === name) as Field;
const changesOf = (c: Collection, set: Record<string, unknown>, add: Record<string, number>): InPlaceChanges => ({
  set: new Map(Object.entries(set).map(([k, v]) => [fieldNamed(c, k), v])),
  add: new Map(Object.entries(add).map(([k, v]) => [fieldNamed(c, k), v])),
});

/** What the validator says of the record `changes` make of a stored row (the fields the condition covers). */
function validatorAccepts(c: Collection, row: Record<string, unknown>, changes: InPlaceChanges): boolean {
  const record = rowDecoder(c)(row);
  for (const [f, delta] of changes.add) record[f.name] = (record[f.name] as number) + delta;
  return c.fields.every((f) => f.name === 'id' || changes.set.has(f) || validateValue(f, record[f.name]) === undefined);
}

/** Whether the condition holds for the stored row `id` (an overflowing sum is an error, which refuses). */
async function conditionAccepts(db: Database, c: Collection, id: string, changes: InPlaceChanges): Promise<boolean> {
  const valid = validityCondition(c, changes);
  assert.ok(valid, `${c.name} should be eligible`);
  try {
    const hit = await db.get(`SELECT 1 AS "x" FROM "${c.name}" WHERE "${c.name}"."id" = ? AND ${valid.sql}`, [id, ...valid.params]);
    return hit !== undefined;
  } catch (err) {
    assert.match(String(err), /out of range/);
    return false;
  }
}

async function insertRows(db: Database, table: string, rows: Array<Record<string, SqlParam>>): Promise<void> {
  for (const row of rows) {
    const names = Object.keys(row);
    await db.run(`INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, Object.values(row));
  }
}

eachDatabase(
  'validity SQL never accepts a record the validator refuses, and accepts the plainly valid ones',
  async (db) => {
    const cs = new CollectionService(db);
    await cs.ensureSystemCollections();
    const c = await cs.create({
      name: 'vals',
      fields: [
        { name: 'title', type: 'text', required: true, max: 5 },
        { name: 'note', type: 'text' },
        { name: 'n', type: 'number', min: 0, max: 10, onlyInt: true },
        { name: 'must', type: 'number', required: true },
        { name: 'free', type: 'number' },
        { name: 'ok', type: 'bool', required: true },
        { name: 'flag', type: 'bool' },
        { name: 'day', type: 'date', required: true },
        { name: 'ref', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1, required: true },
        { name: 'created', type: 'autodate', onCreate: true },
      ],
    });
    const plain = { title: 'abc', note: '', n: 5, must: 1.5, free: 0, ok: true, flag: false, day: '2024-01-01 00:00:00.000Z', ref: 'u1', created: '' };
    // Each row differs from the plainly valid one in one value: valid, invalid or refused by SQL only.
    const variants: Array<Record<string, SqlParam>> = [
      {},
      { title: '' }, { title: 'abcde' }, { title: 'abcdef' }, { title: 'ééé' }, { title: 'éééééé' }, { note: 'x'.repeat(10_000) },
      { n: 0 }, { n: 10 }, { n: 11 }, { n: -1 }, { n: 2.5 }, { n: 'NaN' }, { n: 'Infinity' }, { n: '-Infinity' },
      { must: 0 }, { must: -0.5 }, { must: 'Infinity' }, { free: 1e308 }, { free: 'NaN' },
      { ok: false }, { flag: true }, { day: '' }, { ref: '' },
    ];
    await insertRows(db, 'vals', variants.map((v, i) => ({ id: `row${String(i).padStart(12, '0')}`, ...plain, ...v })));
    const rows = await db.all<Record<string, unknown>>('SELECT * FROM "vals"');
    const shapes: InPlaceChanges[] = [
      changesOf(c, {}, {}),
      changesOf(c, {}, { n: 1 }),
      changesOf(c, {}, { n: -5 }),
      changesOf(c, {}, { n: 0.5, free: 1e308 }),
      changesOf(c, {}, { must: -1.5 }),
      changesOf(c, { title: 'set' }, { free: 2 }),
    ];
    let accepted = 0;
    for (const changes of shapes) {
      for (const row of rows) {
        const sql = await conditionAccepts(db, c, String(row.id), changes);
        const js = validatorAccepts(c, row, changes);
        const shape = JSON.stringify({ set: [...changes.set].map(([f, v]) => [f.name, v]), add: [...changes.add].map(([f, v]) => [f.name, v]) });
        assert.ok(!sql || js, `the condition accepts what the validator refuses: ${shape} on ${JSON.stringify(row)}`);
        if (sql) accepted++;
      }
    }
    // Plainly valid records (ASCII text, finite numbers in range) are decided in SQL, not sent down the locking path.
    assert.equal(await conditionAccepts(db, c, 'row000000000000', changesOf(c, {}, { n: 1 })), true);
    assert.equal(await conditionAccepts(db, c, 'row000000000008', changesOf(c, {}, {})), true); // n = 10, the maximum
    assert.ok(accepted > rows.length, `only ${accepted} accepted`);
  },
  { only: ['postgres'] },
);

test('validity SQL: collections with checks SQL cannot mirror are not eligible', () => {
  const base = { id: 'pbc_x', name: 'x', type: 'base', system: false, listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null, indexes: [] };
  const idField = { id: 'f0', name: 'id', type: 'text', system: true, hidden: false, presentable: false, min: 15, max: 15, pattern: '^[a-z0-9]+$', autogeneratePattern: '', required: true, primaryKey: true };
  const withField = (field: Record<string, unknown>) =>
    ({ ...base, fields: [idField, { id: 'f1', name: 'v', system: false, hidden: false, presentable: false, ...field }] }) as unknown as Collection;
  const none = { set: new Map(), add: new Map() } as InPlaceChanges;
  for (const field of [
    { type: 'text', min: 1, max: 0, pattern: '', required: false },
    { type: 'text', min: 0, max: 0, pattern: '^a', required: false },
    { type: 'email', onlyDomains: null, exceptDomains: null, required: false },
    { type: 'url', onlyDomains: null, exceptDomains: null, required: false },
    { type: 'json', maxSize: 0, required: false },
    { type: 'select', values: ['a'], maxSelect: 1, required: false },
    { type: 'relation', collectionId: 'c', maxSelect: 2, minSelect: 0, required: false },
    { type: 'date', min: '2020-01-01', max: '', required: false },
  ]) {
    assert.equal(validityCondition(withField(field), none), undefined, JSON.stringify(field));
  }
  const eligible = withField({ type: 'number', min: null, max: 3, onlyInt: false, required: false });
  assert.match(validityCondition(eligible, none)?.sql ?? '', /"x"\."v" <= '3'::float8/);
  // The id the update names is checked against its own field's pattern and length, in JavaScript.
  assert.equal(knownValuesValid(eligible, 'abcdefghij12345', none), true);
  assert.equal(knownValuesValid(eligible, 'ABC', none), false);
  const setTooBig = { set: new Map([[eligible.fields[1] as Field, 4]]), add: new Map() } as InPlaceChanges;
  assert.equal(knownValuesValid(eligible, 'abcdefghij12345', setTooBig), false);
});
