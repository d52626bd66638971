/**
 * What auth needs from the mail service (`app.mail`, src/mail): render a PocketBase-style template
 * and enqueue the message. Kept as an interface so auth does not import mail; `send` joins the
 * ambient transaction, so a mail enqueued with the row it announces exists exactly when that row does.
 */
import type { EmailTemplate } from '../core/schema.js';

export interface MailPort {
  renderTemplate(template: EmailTemplate, params: Readonly<Record<string, string>>): { subject: string; html: string };
  send(message: { to: string; subject: string; html: string }): Promise<unknown>;
}

export async function sendTemplate(
  mail: MailPort | undefined,
  to: string,
  template: EmailTemplate,
  params: Readonly<Record<string, string>>,
): Promise<void> {
  if (!mail) throw new Error('mail is not available on this app');
  const { subject, html } = mail.renderTemplate(template, params);
  await mail.send({ to, subject, html });
}
