/**
 * A unique-index violation on insert/update as PocketBase reports it: `validation_not_unique` on
 * each column of the violated index. PostgreSQL names the constraint (the index name);
 * SQLite lists the columns (`UNIQUE constraint failed: posts.slug, posts.lang`).
 */
import type { ApiError } from '../core/errors.js';
import { fieldError, validationError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import { dbErrorKind } from '../db/db-error-kind.js';
import { parseIndex } from './index-definition.js';

export function uniqueViolation(c: Collection, err: unknown, message: string): ApiError | undefined {
  if (dbErrorKind(err) !== 'unique') return undefined;
  const e = err as { constraint?: unknown; message?: unknown };
  let columns: string[] = [];
  if (typeof e.constraint === 'string') {
    const name = e.constraint;
    if (name.endsWith('_pkey')) columns = ['id'];
    for (const sql of c.indexes) {
      try {
        const def = parseIndex(sql);
        if (def.name === name) columns = def.columns.map((col) => col.name);
      } catch {
        // invalid stored definitions were never created
      }
    }
  } else if (typeof e.message === 'string') {
    const m = /UNIQUE constraint failed: (.*)$/m.exec(e.message);
    if (m) columns = (m[1] as string).split(',').map((s) => s.trim().split('.').pop() ?? '').filter((s) => s !== '');
    if (columns.length === 0 && /index '([^']+)'/.test(e.message)) {
      const name = /index '([^']+)'/.exec(e.message)?.[1];
      for (const sql of c.indexes) {
        try {
          const def = parseIndex(sql);
          if (def.name === name) columns = def.columns.map((col) => col.name);
        } catch {
          // as above
        }
      }
    }
  }
  const known = columns.filter((n) => c.fields.some((f) => f.name === n));
  const data: Record<string, ReturnType<typeof fieldError>> = {};
  for (const n of known.length > 0 ? known : ['id']) data[n] = fieldError('validation_not_unique');
  return validationError(data, message);
}
