/**
 * The development outbox: in `--dev` with SMTP disabled, messages are stored in `_mailOutbox` in the
 * main database instead of being sent, so a developer reads them with `galley mail list` or
 * `GET /api/mail/outbox`. A row's id is the `mail.send` job's id, so a retried job stores its
 * message once.
 */
import type { Database } from '../db/database.js';
import { randomRecordId } from '../lib/random-string.js';
import type { NormalizedMailMessage } from './mail-message.js';

export interface OutboxEntry {
  id: string;
  created: string;
  from: string;
  to: string[];
  subject: string;
  message: NormalizedMailMessage & { from: { address: string; name?: string } };
}

export class DevOutbox {
  readonly #db: Database;
  #ensured: Promise<void> | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Creates the table when missing (once per process; cheap to call again). */
  ensureTable(): Promise<void> {
    this.#ensured ??= (async () => {
      const text = this.#db.dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
      await this.#db.run(`CREATE TABLE IF NOT EXISTS "_mailOutbox" (
        "id" ${text} PRIMARY KEY NOT NULL,
        "created" ${text} NOT NULL DEFAULT '',
        "from" TEXT NOT NULL DEFAULT '',
        "to" TEXT NOT NULL DEFAULT '',
        "subject" TEXT NOT NULL DEFAULT '',
        "message" TEXT NOT NULL DEFAULT '{}'
      )`);
      await this.#db.run(`CREATE INDEX IF NOT EXISTS "_mailOutbox_created_idx" ON "_mailOutbox" ("created")`);
    })().catch((err: unknown) => {
      this.#ensured = undefined;
      throw err;
    });
    return this.#ensured;
  }

  /** Stores a message; a second add with the same id is ignored. Returns the row's id. */
  async add(message: OutboxEntry['message'], id: string = randomRecordId()): Promise<string> {
    await this.ensureTable();
    const created = new Date().toISOString().replace('T', ' ');
    await this.#db.run(
      `INSERT INTO "_mailOutbox" ("id", "created", "from", "to", "subject", "message") VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT ("id") DO NOTHING`,
      [id, created, message.from.address, message.to.map((a) => a.address).join(', '), message.subject, JSON.stringify(message)],
    );
    return id;
  }

  /** Newest first. */
  async list(limit: number, offset: number): Promise<{ items: OutboxEntry[]; total: number }> {
    await this.ensureTable();
    const rows = await this.#db.all(
      `SELECT "id", "created", "message" FROM "_mailOutbox" ORDER BY "created" DESC, "id" DESC LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    const count = await this.#db.get<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM "_mailOutbox"`);
    return { items: rows.map(toEntry), total: Number(count?.n ?? 0) };
  }

  async find(id: string): Promise<OutboxEntry | undefined> {
    await this.ensureTable();
    const row = await this.#db.get(`SELECT "id", "created", "message" FROM "_mailOutbox" WHERE "id" = ?`, [id]);
    return row ? toEntry(row) : undefined;
  }

  /** Empties the outbox; returns how many messages went. */
  async clear(): Promise<number> {
    await this.ensureTable();
    return (await this.#db.run(`DELETE FROM "_mailOutbox"`)).changes;
  }
}

function toEntry(row: Record<string, unknown>): OutboxEntry {
  const message = JSON.parse(String(row.message)) as OutboxEntry['message'];
  return {
    id: String(row.id),
    created: String(row.created),
    from: message.from.address,
    to: message.to.map((a) => a.address),
    subject: message.subject,
    message,
  };
}
