/**
 * PocketBase-style mail templates: `{APP_NAME}`, `{APP_URL}`, `{TOKEN}`, `{OTP}`, `{RECORD:email}`
 * ... replaced by the given values. One pass over the text, so a value that itself contains
 * `{TOKEN}` is never substituted again; placeholders without a value stay as they are (a typo
 * shows in the mail instead of vanishing). Values are HTML-escaped in the body (an app name or a
 * record field must not inject markup) and inserted as they are in the subject, which is plain text.
 */

export interface MailTemplate {
  subject: string;
  body: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+(?::[A-Za-z0-9_.]+)?)\}/g;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

export function renderTemplate(template: MailTemplate, params: Readonly<Record<string, string>>): RenderedMail {
  const fill = (text: string, escape: boolean): string =>
    text.replace(PLACEHOLDER, (match, key: string) => {
      if (!Object.hasOwn(params, key)) return match;
      const value = String(params[key]);
      return escape ? escapeHtml(value) : value;
    });
  // A subject is one header line: a value with a line break must not start a new header.
  return { subject: fill(template.subject, false).replace(/[\r\n]+/g, ' '), html: fill(template.body, true) };
}
