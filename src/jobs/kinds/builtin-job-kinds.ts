/**
 * The job kinds every Galley node defines: `mail.send` (deliver one message) and `records.export`
 * (a collection as CSV or JSON in file storage). They live in their own queues, so a long export
 * never holds up mail, and mail retries long enough to ride out an SMTP outage: with the defaults,
 * 15 attempts spread over 1.6 to 3.2 hours (jitter) before the job goes dead (and can still be retried by hand).
 */
import type { Database } from '../../db/database.js';
import type { FileStore } from '../../files/file-store.js';
import type { MailService } from '../../mail/mail-service.js';
import { MAIL_SEND_KIND } from '../../mail/mail-service.js';
import type { NormalizedMailMessage } from '../../mail/mail-message.js';
import type { CollectionService } from '../../records/collection-service.js';
import type { RecordService } from '../../records/record-service.js';
import type { JobQueue } from '../job-queue.js';
import type { JobDefinitionOptions } from '../job-types.js';
import { RECORDS_EXPORT_KIND, runRecordsExport } from './records-export.js';
import type { RecordsExportPayload } from './records-export.js';

export interface BuiltinJobKindsDeps {
  jobs: JobQueue;
  mail: MailService;
  db: Database;
  collections: CollectionService;
  records: RecordService;
  files: FileStore;
}

export const MAIL_JOB_DEFAULTS: Readonly<JobDefinitionOptions> = Object.freeze({
  queue: 'mail',
  concurrency: 2,
  timeoutMs: 2 * 60_000,
  maxAttempts: 15,
  backoff: { baseMs: 5_000, maxMs: 30 * 60_000 },
});

export const EXPORT_JOB_DEFAULTS: Readonly<JobDefinitionOptions> = Object.freeze({
  queue: 'reports',
  concurrency: 1,
  timeoutMs: 60 * 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 10_000, maxMs: 5 * 60_000 },
});

/** Per-kind overrides (tests shorten the mail backoff). */
export interface BuiltinJobKindsOptions {
  mail?: JobDefinitionOptions;
  export?: JobDefinitionOptions;
  /** Records per page read by `records.export` (tests use small pages to cross page boundaries cheaply). */
  exportPageSize?: number;
}

export function defineBuiltinJobKinds(deps: BuiltinJobKindsDeps, options: BuiltinJobKindsOptions = {}): void {
  deps.jobs.define<NormalizedMailMessage>(
    MAIL_SEND_KIND,
    (ctx) => deps.mail.deliver(ctx.payload, { id: ctx.id, signal: ctx.signal }),
    { ...MAIL_JOB_DEFAULTS, ...options.mail },
  );
  deps.jobs.define<RecordsExportPayload>(RECORDS_EXPORT_KIND, (ctx) => runRecordsExport(deps, ctx, options.exportPageSize ? { pageSize: options.exportPageSize } : {}), {
    ...EXPORT_JOB_DEFAULTS,
    ...options.export,
  });
}
