/**
 * Pending presigned uploads, one row each in `_uploads`: which record's file field an upload id is
 * bound to, who asked for it, where the object goes and when the offer expires. Rows live in the
 * main database so any node can finalize an upload another node presigned. A row is claimed (deleted)
 * exactly once, by finalize or by the sweep of expired rows, so an object is attached at most once.
 */
import type { Database } from '../../db/database.js';

export interface UploadSession {
  id: string;
  collectionId: string;
  recordId: string;
  field: string;
  /** The object's final storage key `<collectionId>/<recordId>/<storedName>`. */
  storageKey: string;
  storedName: string;
  originalName: string;
  /** The size the client declared (and the presigned request signed). */
  size: number;
  /** The requester: `<collectionId>:<recordId>` of the auth record, '' for a guest. */
  owner: string;
  /** Whether finalize creates the record (else it updates it). */
  create: boolean;
  expires: Date;
}

/** A `_uploads` row: the session's columns as the drivers return them. */
type UploadRow = Omit<UploadSession, 'size' | 'create' | 'expires'> & { size: number | string; isCreate: number | string; expires: string };

const COLUMNS = ['id', 'collectionId', 'recordId', 'field', 'storageKey', 'storedName', 'originalName', 'size', 'owner', 'isCreate', 'expires'] as const;
const COLUMN_LIST = COLUMNS.map((c) => `"${c}"`).join(', ');
const SELECT_SESSIONS = `SELECT ${COLUMN_LIST} FROM "_uploads"`;
const INSERT_SESSION = `INSERT INTO "_uploads" (${COLUMN_LIST}, "created") VALUES (${COLUMNS.map(() => '?').join(', ')}, ?)`;

const ready = new WeakMap<Database, Promise<void>>();

export class UploadSessions {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Creates `_uploads` once per database and process. */
  ensureTable(): Promise<void> {
    let p = ready.get(this.#db);
    if (!p) {
      const pg = this.#db.dialect === 'postgres';
      const text = `TEXT ${pg ? 'COLLATE "C" ' : ''}NOT NULL DEFAULT ''`;
      p = this.#db.exec(`
        CREATE TABLE IF NOT EXISTS "_uploads" (
          "id" TEXT ${pg ? 'COLLATE "C" ' : ''}PRIMARY KEY NOT NULL,
          "collectionId" ${text},
          "recordId" ${text},
          "field" ${text},
          "storageKey" ${text},
          "storedName" ${text},
          "originalName" ${text},
          "size" BIGINT NOT NULL DEFAULT 0,
          "owner" ${text},
          "isCreate" INTEGER NOT NULL DEFAULT 0,
          "expires" ${text},
          "created" ${text}
        );
        CREATE INDEX IF NOT EXISTS "_uploads_idx_expires" ON "_uploads" ("expires");
      `);
      p.catch(() => ready.delete(this.#db));
      ready.set(this.#db, p);
    }
    return p;
  }

  async insert(s: UploadSession): Promise<void> {
    await this.ensureTable();
    await this.#db.run(
      INSERT_SESSION,
      [s.id, s.collectionId, s.recordId, s.field, s.storageKey, s.storedName, s.originalName, s.size, s.owner, s.create ? 1 : 0, s.expires.toISOString(), new Date().toISOString()],
    );
  }

  async find(id: string): Promise<UploadSession | undefined> {
    await this.ensureTable();
    const row = await this.#db.get<UploadRow>(`${SELECT_SESSIONS} WHERE "id" = ?`, [id]);
    return row ? fromRow(row) : undefined;
  }

  /** Removes the row; true only for the one caller that removed it (finalize and sweep race safely). */
  async claim(id: string): Promise<boolean> {
    await this.ensureTable();
    return (await this.#db.run(`DELETE FROM "_uploads" WHERE "id" = ?`, [id])).changes === 1;
  }

  /** Up to `limit` sessions that expired before `now`. */
  async expired(now: Date, limit = 100): Promise<UploadSession[]> {
    await this.ensureTable();
    const rows = await this.#db.all<UploadRow>(`${SELECT_SESSIONS} WHERE "expires" < ? ORDER BY "expires" LIMIT ?`, [now.toISOString(), limit]);
    return rows.map(fromRow);
  }
}

function fromRow(row: UploadRow): UploadSession {
  const { size, isCreate, expires, ...text } = row;
  return { ...text, size: Number(size), create: Number(isCreate) === 1, expires: new Date(expires) };
}
