import type { Target } from '../server-process.js';
import type { AnswerSummary, PocketBaseRequest } from './pocketbase-request.js';

/**
 * A peer server under test: a `Target` (same process handling, RSS, stop) that answers the
 * bench's PocketBase requests through its own API. Its answers have another shape, so they are
 * compared with the baseline's by status, ids (in order) and total, not by bytes.
 */
export interface PeerTarget extends Target {
  /** Product and version for the report, e.g. `Directus 11.16.1 (SQLite)`. */
  label: string;
  /** Headers every request needs (Parse's application id). */
  headers: Record<string, string>;
  /** The peer's path for a request. */
  translate(request: PocketBaseRequest): string;
  /** Ids and total of the peer's answer to `request`. */
  summarize(request: PocketBaseRequest, status: number, body: unknown): AnswerSummary;
  /**
   * Pids of database server processes working for this peer only (PostgreSQL backends), whose
   * CPU is part of its cost; SQLite runs inside the server process.
   */
  databaseProcesses?(): Promise<number[]>;
}
