/**
 * What deleting records does to the records that point at them, inside the delete's
 * transaction: relation fields with `cascadeDelete` delete the referencing records (recursively);
 * other fields drop the id from their value, unless the field is required and would become empty,
 * which blocks the whole delete with a 400.
 */
import { apiError } from '../core/errors.js';
import type { Collection, RelationField } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import type { SqlParam, Transaction } from '../db/database.js';
import type { CollectionService } from './collection-service.js';
import { encodeValue } from './record-codec.js';
import type { RecordJson } from './record-codec.js';
import { collectionSql } from './record-reader.js';
import { ensureVersionColumn } from './record-table-sync.js';
import { quoteIdent } from './sql-tokens.js';

export type CascadeEmit = (collection: Collection, record: RecordJson, action: 'update' | 'delete') => void;

const MAX_DEPTH = 32;

function referencing(tx: Transaction, f: RelationField, table: string, ids: readonly string[]): { sql: string; params: SqlParam[] } {
  const col = `${table}.${quoteIdent(f.name)}`;
  const marks = ids.map(() => '?').join(', ');
  if (!isMultiple(f)) return { sql: `${col} IN (${marks})`, params: [...ids] };
  return tx.dialect === 'postgres'
    ? { sql: `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${col}) AS "_je"("value") WHERE "_je"."value" IN (${marks}))`, params: [...ids] }
    : { sql: `EXISTS (SELECT 1 FROM json_each(${col}) AS "_je" WHERE "_je"."value" IN (${marks}))`, params: [...ids] };
}

/** Handles every reference to `ids` of `target` (call before deleting them). */
export async function deleteReferences(
  tx: Transaction, collections: CollectionService, target: Collection, ids: readonly string[], emit: CascadeEmit,
  seen: Set<string> = new Set(ids.map((id) => `${target.id}/${id}`)), depth = 0,
): Promise<void> {
  if (ids.length === 0) return;
  if (depth > MAX_DEPTH) throw apiError('bad_request', 'The cascade delete is nested too deeply.');
  for (const other of collections.all()) {
    if (other.type === 'view') continue;
    for (const f of other.fields) {
      if (f.type !== 'relation' || f.collectionId !== target.id) continue;
      const s = collectionSql(other);
      const where = referencing(tx, f, s.table, ids);
      const rows = await tx.all(`${s.select} WHERE ${where.sql}`, where.params);
      if (rows.length > 0 && !f.cascadeDelete) await ensureVersionColumn(tx, other.name);
      for (const row of rows) {
        const rec = s.decode(row);
        const rid = String(rec.id);
        const key = `${other.id}/${rid}`;
        if (seen.has(key)) continue;
        if (f.cascadeDelete) {
          seen.add(key);
          await deleteReferences(tx, collections, other, [rid], emit, seen, depth + 1);
          await tx.run(`DELETE FROM ${s.table} WHERE "id" = ?`, [rid]);
          emit(other, rec, 'delete');
          continue;
        }
        const value = rec[f.name];
        const next = Array.isArray(value) ? value.filter((v) => !ids.includes(String(v))) : '';
        if (f.required && (next === '' || (Array.isArray(next) && next.length === 0))) {
          throw apiError('bad_request', `The record cannot be deleted because it is part of a required reference in record "${rid}" of collection "${other.name}".`);
        }
        await tx.run(`UPDATE ${s.table} SET ${quoteIdent(f.name)} = ?, "_version" = "_version" + 1 WHERE "id" = ?`, [encodeValue(f, next), rid]);
        emit(other, { ...rec, [f.name]: next }, 'update');
      }
    }
  }
}
