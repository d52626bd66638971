/**
 * One nodemailer SMTP transport for the current `smtp` settings, built on first use and rebuilt
 * when the settings change (on this node through PATCH, or on another node: the settings service
 * then replaces its frozen object, which is what the cache compares). nodemailer is imported on
 * first use, so nodes that never send mail do not load it.
 */
import type { Transporter } from 'nodemailer';
import type { Settings } from '../settings/settings-schema.js';

type SmtpSettings = Settings['smtp'];

export interface SmtpTimeouts {
  /** Connecting to the server (default 10 s). */
  connectionMs: number;
  /** Waiting for its greeting (default 10 s). */
  greetingMs: number;
  /** Idle socket during a send (default 30 s). */
  socketMs: number;
}

export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };

export class SmtpTransportCache {
  readonly #timeouts: SmtpTimeouts;
  #for: SmtpSettings | undefined;
  #transport: Transporter | undefined;

  constructor(timeouts: Partial<SmtpTimeouts> = {}) {
    this.#timeouts = { ...DEFAULT_SMTP_TIMEOUTS, ...timeouts };
  }

  /** The transport for `smtp` (the same object as long as the settings object is the same). */
  async get(smtp: SmtpSettings): Promise<Transporter> {
    if (this.#transport && this.#for === smtp) return this.#transport;
    const { createTransport } = await import('nodemailer');
    // another caller may have built it while this one awaited the import
    if (this.#transport && this.#for === smtp) return this.#transport;
    this.#transport?.close();
    this.#transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      // PocketBase's `tls`: implicit TLS from the first byte (port 465); otherwise STARTTLS when offered.
      secure: smtp.tls,
      ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password } } : {}),
      ...(smtp.authMethod ? { authMethod: smtp.authMethod } : {}),
      ...(smtp.localName ? { name: smtp.localName } : {}),
      connectionTimeout: this.#timeouts.connectionMs,
      greetingTimeout: this.#timeouts.greetingMs,
      socketTimeout: this.#timeouts.socketMs,
    });
    this.#for = smtp;
    return this.#transport;
  }

  close(): void {
    this.#transport?.close();
    this.#transport = undefined;
    this.#for = undefined;
  }
}
