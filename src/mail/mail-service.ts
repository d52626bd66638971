/**
 * `app.mail`: validates a message and enqueues it as a `mail.send` job (inside the caller's
 * transaction when there is one, so a rolled-back write sends nothing); the job's handler calls
 * `deliver()`, which sends over SMTP (settings `smtp`) or, in `--dev` with SMTP disabled, stores the
 * message in the dev outbox. A down SMTP server fails the attempt; the queue retries it with
 * backoff, so mail is delayed, not lost (docs/mail.md).
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { mailFlowHook } from '../hooks/app-hooks.js';
import type { AppHooks, MailFlow, MailerSendEvent } from '../hooks/app-hooks.js';
import type { Settings } from '../settings/settings-schema.js';
import { DevOutbox } from './dev-outbox.js';
import { validateMailMessage } from './mail-message.js';
import type { MailAddress, MailMessage, NormalizedMailMessage } from './mail-message.js';
import { renderTemplate } from './render-template.js';
import type { MailTemplate, RenderedMail } from './render-template.js';
import { SmtpTransportCache } from './smtp-transport-cache.js';
import type { SmtpTimeouts } from './smtp-transport-cache.js';

export const MAIL_SEND_KIND = 'mail.send';

/** The part of the job queue mail needs (`app.jobs`). */
export interface MailJobQueue {
  enqueue(kind: string, payload: unknown, opts?: { delayMs?: number }): Promise<{ id: string }>;
}

export interface MailServiceOptions {
  db: Database;
  settings: { get(): Readonly<Settings> };
  /** The queue, resolved on first send (the App builds the queue after the mail service). */
  jobs: () => MailJobQueue;
  /** `--dev`: with SMTP disabled, messages go to the dev outbox. */
  dev: boolean;
  logger: Logger;
  smtpTimeouts?: Partial<SmtpTimeouts>;
  /** `onMailerSend` and the auth flows' `onMailer*Send` chains (docs/hooks.md). */
  hooks?: AppHooks;
}

export interface DeliveryResult {
  via: 'smtp' | 'outbox';
  /** The SMTP Message-ID, or the outbox row id. */
  messageId: string;
  /** Addresses the SMTP server accepted. */
  accepted?: string[];
  /** Addresses it refused while accepting others (the message went to the rest; these are not retried). */
  rejected?: string[];
}

/** SMTP is off and this is not a dev node: there is nowhere to deliver. The job retries. */
export class MailNotConfiguredError extends Error {
  constructor() {
    super('SMTP is disabled in the settings (smtp.enabled); the message stays queued until it is enabled or the job runs out of attempts');
    this.name = 'MailNotConfiguredError';
  }
}

export class MailService {
  readonly outbox: DevOutbox;
  readonly #settings: MailServiceOptions['settings'];
  readonly #jobs: () => MailJobQueue;
  readonly #dev: boolean;
  readonly #logger: Logger;
  readonly #transports: SmtpTransportCache;
  readonly #hooks: AppHooks | undefined;

  constructor(options: MailServiceOptions) {
    this.outbox = new DevOutbox(options.db);
    this.#settings = options.settings;
    this.#jobs = options.jobs;
    this.#dev = options.dev;
    this.#logger = options.logger;
    this.#transports = new SmtpTransportCache(options.smtpTimeouts);
    this.#hooks = options.hooks;
  }

  /**
   * Validates `message` (a 400 `validation_failed` naming the bad fields) and enqueues its
   * delivery. Inside `app.db.transaction(...)` the job exists exactly when the transaction commits.
   * `onMailerSend` (and, with `flow`, the flow's own hook first) runs before; `jobId` is '' when a
   * handler dropped the message.
   */
  async send(message: MailMessage, opts: { delayMs?: number; flow?: MailFlow } = {}): Promise<{ jobId: string }> {
    const enqueue = async (m: MailMessage): Promise<string> => {
      const normalized = validateMailMessage(m);
      return (await this.#jobs().enqueue(MAIL_SEND_KIND, normalized, opts.delayMs ? { delayMs: opts.delayMs } : {})).id;
    };
    const hooks = this.#hooks;
    const flowHook = hooks && opts.flow ? mailFlowHook(hooks, opts.flow.kind) : undefined;
    if (!hooks || (hooks.onMailerSend.length === 0 && (flowHook?.length ?? 0) === 0)) return { jobId: await enqueue(message) };
    // Hooks run before the enqueue: a handler that does not call next() drops the message.
    let jobId = '';
    const send = (e: MailerSendEvent): Promise<void> => hooks.onMailerSend.trigger({ message: e.message }, async (s) => {
      jobId = await enqueue(s.message);
    });
    if (flowHook && opts.flow) {
      const { collection, record, meta } = opts.flow;
      await flowHook.trigger({ message, collection, record, meta }, send);
    } else {
      await send({ message });
    }
    return { jobId };
  }

  /**
   * PocketBase's placeholders, with `{APP_NAME}` and `{APP_URL}` filled from the settings unless
   * `params` gives them.
   */
  renderTemplate(template: MailTemplate, params: Readonly<Record<string, string>> = {}): RenderedMail {
    const { meta } = this.#settings.get();
    return renderTemplate(template, { APP_NAME: meta.appName, APP_URL: meta.appURL, ...params });
  }

  /** Where mail goes now: `smtp`, `outbox` (dev, SMTP off) or `none` (SMTP off outside dev). */
  get destination(): 'smtp' | 'outbox' | 'none' {
    if (this.#settings.get().smtp.enabled) return 'smtp';
    return this.#dev ? 'outbox' : 'none';
  }

  /**
   * Delivers a validated message now: the `mail.send` job's work. `id` (the job's id) keys the dev
   * outbox row, so a retried job stores its message once. Throws when the SMTP server is
   * unreachable or refuses the message; the queue retries.
   */
  async deliver(message: NormalizedMailMessage, opts: { id?: string; signal?: AbortSignal } = {}): Promise<DeliveryResult> {
    const settings = this.#settings.get();
    const from: MailAddress = message.from ?? { address: settings.meta.senderAddress, name: settings.meta.senderName };
    if (!settings.smtp.enabled) {
      if (!this.#dev) throw new MailNotConfiguredError();
      const id = await this.outbox.add({ ...message, from }, opts.id);
      this.#logger.info({ outboxId: id, to: message.to.map((a) => a.address), subject: message.subject }, 'mail stored in the dev outbox (SMTP is disabled)');
      return { via: 'outbox', messageId: id };
    }
    const transport = await this.#transports.get(settings.smtp);
    opts.signal?.throwIfAborted();
    const info = (await transport.sendMail({
      from: formatAddress(from),
      to: message.to.map(formatAddress),
      ...(message.cc ? { cc: message.cc.map(formatAddress) } : {}),
      ...(message.bcc ? { bcc: message.bcc.map(formatAddress) } : {}),
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      subject: message.subject,
      ...(message.html !== undefined ? { html: message.html } : {}),
      ...(message.text !== undefined ? { text: message.text } : {}),
      ...(message.headers ? { headers: message.headers } : {}),
      ...(message.attachments
        ? {
            attachments: message.attachments.map((a) => ({
              filename: a.filename,
              content: a.content,
              encoding: 'base64',
              ...(a.contentType ? { contentType: a.contentType } : {}),
            })),
          }
        : {}),
    })) as { messageId?: string; accepted?: Array<string | { address: string }>; rejected?: Array<string | { address: string }> };
    const addresses = (list: Array<string | { address: string }> | undefined): string[] => (list ?? []).map((a) => (typeof a === 'string' ? a : a.address));
    return {
      via: 'smtp',
      messageId: info.messageId ?? '',
      accepted: addresses(info.accepted),
      rejected: addresses(info.rejected),
    };
  }

  /** Closes the cached SMTP connection. */
  close(): void {
    this.#transports.close();
  }
}

function formatAddress(a: MailAddress): { address: string; name: string } | string {
  return a.name ? { address: a.address, name: a.name } : a.address;
}
