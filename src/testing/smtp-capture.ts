/**
 * A real SMTP server in the test process (`smtp-server`), parsing what it receives with
 * `mailparser`, for tests that send mail the way production does. `close()` then
 * `startSmtpCapture({ port })` brings a server back on the same port: how the tests play "the SMTP
 * server was down for a while".
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  /** The SMTP envelope (`MAIL FROM` / `RCPT TO`): bcc recipients show here only. */
  envelope: { from: string; to: string[] };
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  /** Header names lowercased. */
  headers: Map<string, unknown>;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
  /** The authenticated user, when the client logged in. */
  user?: string;
}

export interface SmtpCaptureOptions {
  /** Default: a free port. */
  port?: number;
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string };
  /** Recipients refused at `RCPT TO` with a 550 (the server accepts the others). */
  rejectRecipients?: string[];
}

export interface SmtpCapture {
  port: number;
  messages: CapturedMail[];
  /** Resolves with the first message matching `pred` (already received or arriving later). */
  waitFor(pred: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  close(): Promise<void>;
}

export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.includes(address.address)) {
        callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      } else {
        callback();
      }
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const user = typeof session.user === 'string' ? session.user : undefined;
          messages.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            from: addresses(parsed.from)[0] ?? '',
            to: addresses(parsed.to),
            cc: addresses(parsed.cc),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            headers: parsed.headers as Map<string, unknown>,
            attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
            ...(user ? { user } : {}),
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    server.server.once('error', reject);
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    messages,
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise<CapturedMail>((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.find(pred);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(onMessage);
          resolve(found);
          return true;
        };
        const onMessage = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(onMessage);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received: ${messages.map((m) => m.subject).join(', ')})`));
        }, timeoutMs);
        waiters.add(onMessage);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}
