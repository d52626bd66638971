/**
 * Counts the statements a Database runs through its public methods (queries inside `transaction`
 * callbacks that use the `tx` object directly are not seen; GraphQL reads never do that). The
 * methods are wrapped on the instance for the duration of a test and restored after.
 */
import type { Database } from '../../src/db/database.js';

export interface QueryCounter {
  readonly count: number;
  readonly statements: readonly string[];
  reset(): void;
  restore(): void;
}

/**
 * `ignore`: statements not to count. By default those on system tables (`_logs`, `_jobs`...): the
 * request log and the job worker share the database on PostgreSQL and run on their own schedule.
 */
export function countQueries(db: Database, ignore: (sql: string) => boolean = (sql) => /\b(FROM|INTO|UPDATE|JOIN)\s+"_/i.test(sql)): QueryCounter {
  const statements: string[] = [];
  const target = db as unknown as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  for (const name of ['all', 'get', 'allValues', 'getValues', 'run', 'exec'] as const) {
    const original = db[name].bind(db) as (...args: unknown[]) => unknown;
    originals.set(name, Object.prototype.hasOwnProperty.call(target, name) ? target[name] : undefined);
    target[name] = (...args: unknown[]) => {
      if (!ignore(String(args[0]))) statements.push(String(args[0]));
      return original(...args);
    };
  }
  return {
    get count() {
      return statements.length;
    },
    statements,
    reset() {
      statements.length = 0;
    },
    restore() {
      for (const [name, value] of originals) {
        if (value === undefined) delete target[name];
        else target[name] = value;
      }
    },
  };
}
