import type { Dialect } from '../../db/database.js';
import type { Field } from '../../core/schema.js';
import type { IndexDefinition } from '../index-definition.js';

/**
 * The statements one engine needs to keep a record table in step with its collection
 * (`docs/internals/storage-layout.md`). Each method returns plain SQL strings without parameters;
 * identifiers are double-quoted. The migrator (`record-table-sync.ts`) decides what to run.
 */
export interface DdlDialect {
  readonly dialect: Dialect;
  /** `"name" TYPE NOT NULL DEFAULT ...` for one field. */
  columnDefinition(field: Field): string;
  createTable(table: string, fields: readonly Field[]): string[];
  dropTable(table: string): string[];
  renameTable(from: string, to: string): string[];
  addColumn(table: string, field: Field): string[];
  dropColumn(table: string, column: string): string[];
  renameColumn(table: string, from: string, to: string): string[];
  /** Single <-> multi select/file/relation: `''` <-> `[]`, `x` <-> `["x"]`, multi -> first item. */
  convertMultiplicity(table: string, field: Field, toMultiple: boolean): string[];
  createIndex(def: IndexDefinition, table: string): string[];
  dropIndex(name: string): string[];
  createView(name: string, selectSql: string): string[];
  dropView(name: string): string[];
  /** True when the error is a unique violation (adding a unique index over duplicates). */
  isUniqueViolation(err: unknown): boolean;
}
