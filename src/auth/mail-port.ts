/**
 * What auth needs from the mail service (`app.mail`, src/mail): render a PocketBase-style template
 * and enqueue the message. Kept as an interface so auth does not import mail; `send` joins the
 * ambient transaction, so a mail enqueued with the row it announces exists exactly when that row does.
 */
import type { Collection, EmailTemplate } from '../core/schema.js';
import type { MailFlow, MailFlowKind } from '../hooks/app-hooks.js';
import type { AuthRecord } from './auth-record.js';

export interface MailPort {
  renderTemplate(template: EmailTemplate, params: Readonly<Record<string, string>>): { subject: string; html: string };
  /** `flow` says which auth flow sends it, for its `onMailer*Send` hook. */
  send(message: { to: string; subject: string; html: string }, options?: { flow?: MailFlow }): Promise<unknown>;
}

/** The flow description of an auth mail: the record it is about and the flow's values. */
export function mailFlow(kind: MailFlowKind, collection: Collection, record: AuthRecord, meta: Record<string, unknown>): MailFlow {
  return { kind, collection, record, meta };
}

export async function sendTemplate(
  mail: MailPort | undefined,
  to: string,
  template: EmailTemplate,
  params: Readonly<Record<string, string>>,
  flow?: MailFlow,
): Promise<void> {
  if (!mail) throw new Error('mail is not available on this app');
  const { subject, html } = mail.renderTemplate(template, params);
  await mail.send({ to, subject, html }, flow ? { flow } : undefined);
}
