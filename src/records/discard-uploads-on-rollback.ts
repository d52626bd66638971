/**
 * Uploads stored by record writes inside `app.transaction` stay only if that transaction commits.
 * A record write stores its files before its own transaction (no writer held while bytes travel)
 * and deletes them if that transaction fails (`RecordFileChanges.discard`); inside an enclosing
 * transaction its own one is a savepoint, so a later rollback of the enclosing one would remove the
 * record and leave its files. Such writes hold their file changes in the innermost enclosing scope:
 * a scope that fails discards them, one nested in another hands them up on success, and the
 * outermost forgets them once its COMMIT has gone through. Direct uploads a write only links
 * (`storedName`) are not its to delete, so `discard` leaves them: a retried attempt links them again.
 */
import type { Database, Transaction } from '../db/database.js';
import type { RecordFileChanges } from './record-files.js';
import { TransientAsyncStorage } from '../lib/transient-async-storage.js';

/** One run of a transaction's body (PostgreSQL runs a serializable one again after a conflict). */
interface Attempt {
  readonly held: RecordFileChanges[];
  committed: boolean;
}

// Transient: an AsyncLocalStorage left enabled after the first transaction would tax every later
// request of the process (see TransientAsyncStorage).
const scope = new TransientAsyncStorage<Attempt>();

/** Called by a record write before it stores uploads: ties them to the enclosing scope, if any. */
export function holdUploadsUntilCommit(files: RecordFileChanges): void {
  if (files.hasUploads) scope.getStore()?.held.push(files);
}

export type UploadScopedBody = <R>(tx: Transaction, body: () => Promise<R>) => Promise<R>;

/**
 * Runs `start`, which opens a transaction on `db` and runs its body through `attempt`. Uploads held
 * by record writes in that body are deleted when the transaction fails or a retried attempt did not
 * commit. When the transaction is nested in a raw `db.transaction` (not in another scope) only its
 * own failure is seen: the owner of that outer transaction cleans up after its rollback (batch does).
 */
export async function discardUploadsOnRollback<T>(db: Database, start: (attempt: UploadScopedBody) => Promise<T>): Promise<T> {
  const parent = scope.getStore();
  const outermost = parent === undefined && db.currentTransaction() === undefined;
  const attempts: Attempt[] = [];
  const attempt: UploadScopedBody = async (tx, body) => {
    const a: Attempt = { held: [], committed: false };
    attempts.push(a);
    const result = await scope.run(a, body);
    if (outermost) {
      tx.afterCommit(() => {
        a.committed = true;
      });
    }
    return result;
  };
  let result: T;
  try {
    result = await start(attempt);
  } catch (err) {
    await discard(attempts);
    throw err;
  }
  if (parent !== undefined) for (const a of attempts) parent.held.push(...a.held);
  else if (outermost) await discard(attempts.filter((a) => !a.committed));
  return result;
}

async function discard(attempts: readonly Attempt[]): Promise<void> {
  for (const a of attempts) for (const files of a.held) await files.discard();
}
