/**
 * The e-mail templates of an auth collection (PocketBase's option names): verification, password
 * reset, email change, OTP and the new-device alert, each a subject and an HTML body, with the
 * placeholders the server fills in for that mail.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AuthOptions, EmailTemplate } from '../../../src/core/schema.js';
import { TextInput } from './ui.js';

type TemplateKey = 'verificationTemplate' | 'resetPasswordTemplate' | 'confirmEmailChangeTemplate' | 'otp' | 'authAlert';

const COMMON = ['{APP_NAME}', '{APP_URL}', '{RECORD:id}', '{RECORD:email}'];
/** Label and placeholders of each template (what src/auth fills in when it sends that mail). */
const TEMPLATES: Array<{ key: TemplateKey; label: string; placeholders: string[] }> = [
  { key: 'verificationTemplate', label: 'Verification', placeholders: [...COMMON, '{TOKEN}'] },
  { key: 'resetPasswordTemplate', label: 'Password reset', placeholders: [...COMMON, '{TOKEN}'] },
  { key: 'confirmEmailChangeTemplate', label: 'Email change', placeholders: [...COMMON, '{TOKEN}'] },
  { key: 'otp', label: 'One-time password (OTP)', placeholders: [...COMMON, '{OTP}', '{OTP_ID}'] },
  { key: 'authAlert', label: 'Login alert (new device)', placeholders: [...COMMON, '{ALERT_INFO}'] },
];

const EMPTY: EmailTemplate = { subject: '', body: '' };

export function EmailTemplatesEditor(props: {
  options: Partial<AuthOptions>;
  errors: Record<string, string>;
  onChange: (patch: Partial<AuthOptions>) => void;
}): JSX.Element {
  const [open, setOpen] = useState<TemplateKey>('verificationTemplate');
  const o = props.options;
  const get = (key: TemplateKey): EmailTemplate =>
    key === 'otp' ? (o.otp?.emailTemplate ?? EMPTY) : key === 'authAlert' ? (o.authAlert?.emailTemplate ?? EMPTY) : (o[key] ?? EMPTY);
  const set = (key: TemplateKey, t: EmailTemplate): void => {
    if (key === 'otp') props.onChange({ otp: { enabled: false, duration: 180, length: 8, ...o.otp, emailTemplate: t } });
    else if (key === 'authAlert') props.onChange({ authAlert: { enabled: true, ...o.authAlert, emailTemplate: t } });
    else props.onChange({ [key]: t });
  };
  const errorPath = (key: TemplateKey): string => (key === 'otp' || key === 'authAlert' ? `${key}.emailTemplate` : key);
  const current = TEMPLATES.find((t) => t.key === open)!;
  const tpl = get(open);
  const prefix = errorPath(open);
  return (
    <div class="panel stack">
      <h2>E-mail templates</h2>
      <div class="tabs" role="tablist" aria-label="E-mail templates">
        {TEMPLATES.map((t) => {
          const broken = Object.keys(props.errors).some((k) => k.startsWith(`${errorPath(t.key)}.`));
          return (
            <button key={t.key} type="button" role="tab" aria-selected={open === t.key} onClick={() => setOpen(t.key)}>
              {t.label}
              {broken ? ' ✕' : ''}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" aria-label={`${current.label} template`} class="stack">
        <TextInput label="Subject" value={tpl.subject} error={props.errors[`${prefix}.subject`]} onInput={(v) => set(open, { ...tpl, subject: v })} />
        <label class="field" for="template-body">
          Body (HTML)
        </label>
        <textarea
          id="template-body"
          class="mono"
          rows={10}
          value={tpl.body}
          aria-invalid={props.errors[`${prefix}.body`] ? 'true' : undefined}
          onInput={(e) => set(open, { ...tpl, body: e.currentTarget.value })}
        />
        {props.errors[`${prefix}.body`] ? <span class="error-text" role="alert">{props.errors[`${prefix}.body`]}</span> : null}
        <p class="muted small">
          Placeholders:{' '}
          {current.placeholders.map((p) => (
            <code key={p} style="margin-right:6px">
              {p}
            </code>
          ))}
          — unknown placeholders are left as written.
        </p>
      </div>
    </div>
  );
}
