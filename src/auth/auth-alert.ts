/**
 * New-device login alerts (PocketBase's authAlert). Each successful login's origin is a
 * fingerprint of the client IP and user agent (SHA-256, nothing readable stored). When a record
 * that logged in before logs in from an origin it never used, a mail goes to its address with the
 * collection's `authAlert.emailTemplate`; the first login ever sends nothing. The newest 5 origins
 * per record are kept.
 */
import type { Collection } from '../core/schema.js';
import type { Database } from '../db/database.js';
import { randomRecordId } from '../lib/random-string.js';
import type { AuthRecord } from './auth-record.js';
import { ensureAuthTables } from './auth-tables.js';
import type { MailPort } from './mail-port.js';
import { mailFlow, sendTemplate } from './mail-port.js';
import { sha256 } from './sha256.js';

export const MAX_AUTH_ORIGINS = 5;

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export async function recordAuthOrigin(
  deps: { db: Database; mail: MailPort | undefined },
  collection: Collection,
  record: AuthRecord,
  client: ClientInfo,
): Promise<{ alerted: boolean }> {
  await ensureAuthTables(deps.db);
  const fingerprint = sha256(`${client.ip}|${client.userAgent.slice(0, 300)}`);
  const now = Date.now();
  return deps.db.transaction(async (tx) => {
    const origins = await tx.all<{ id: string; fingerprint: string }>(
      `SELECT "id", "fingerprint" FROM "_authOrigins" WHERE "collectionRef" = ? AND "recordRef" = ? ORDER BY "updated" DESC, "id"`,
      [collection.id, record.id],
    );
    const known = origins.find((o) => o.fingerprint === fingerprint);
    if (known) {
      await tx.run(`UPDATE "_authOrigins" SET "updated" = ? WHERE "id" = ?`, [now, known.id]);
      return { alerted: false };
    }
    for (const old of origins.slice(MAX_AUTH_ORIGINS - 1)) await tx.run(`DELETE FROM "_authOrigins" WHERE "id" = ?`, [old.id]);
    await tx.run(
      `INSERT INTO "_authOrigins" ("id", "collectionRef", "recordRef", "fingerprint", "created", "updated") VALUES (?, ?, ?, ?, ?, ?)`,
      [randomRecordId(), collection.id, record.id, fingerprint, now, now],
    );
    const alert = collection.authAlert;
    if (origins.length === 0 || !alert?.enabled || !record.email || !deps.mail) return { alerted: false };
    // Enqueued in this transaction: the alert exists exactly when the new origin does.
    await sendTemplate(deps.mail, record.email, alert.emailTemplate, {
      ALERT_INFO: `${client.userAgent.slice(0, 300) || 'unknown client'} (${client.ip || 'unknown IP'})`,
      'RECORD:id': record.id,
      'RECORD:email': record.email,
    }, mailFlow('authAlert', collection, record, { ip: client.ip, userAgent: client.userAgent }));
    return { alerted: true };
  });
}
