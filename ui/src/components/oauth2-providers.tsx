/**
 * OAuth2 options of an auth collection (PocketBase's shape, docs/oauth2.md): on/off, the mapping
 * of the provider's user onto the collection's fields, and the providers with their client
 * credentials and optional endpoint overrides. The client secret is never sent back by the API:
 * an empty secret box keeps the stored one.
 */
import type { JSX } from 'preact';
import type { AuthOptions } from '../../../src/core/schema.js';
import { Check, Select, TextInput } from './ui.js';

type OAuth2 = AuthOptions['oauth2'];
type Provider = Record<string, unknown>;

/** The names docs/oauth2.md lists (src/auth/oauth2/providers.ts). */
const NAMES = ['google', 'github', 'microsoft', 'apple', 'gitlab', 'discord', 'oidc', 'oidc2', 'oidc3'];
const MAPPED: Array<[keyof OAuth2['mappedFields'], string]> = [
  ['id', 'Provider user id → field'],
  ['name', 'Name → field'],
  ['username', 'Username → field'],
  ['avatarURL', 'Avatar URL → field'],
];
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function OAuth2Editor(props: { oauth2: OAuth2; fieldNames: string[]; errors: Record<string, string>; onChange: (o: OAuth2) => void }): JSX.Element {
  const o = props.oauth2;
  const setProvider = (i: number, p: Provider): void => props.onChange({ ...o, providers: o.providers.map((x, j) => (j === i ? p : x)) });
  const fieldOptions = [{ value: '', label: '(none)' }, ...props.fieldNames.map((n) => ({ value: n, label: n }))];
  return (
    <div class="panel stack">
      <h2>OAuth2</h2>
      <Check label="OAuth2 enabled" checked={o.enabled} onChange={(v) => props.onChange({ ...o, enabled: v })} />
      <div class="grid2">
        {MAPPED.map(([k, label]) => (
          <Select
            key={k}
            label={label}
            value={o.mappedFields?.[k] ?? ''}
            options={fieldOptions}
            onChange={(v) => props.onChange({ ...o, mappedFields: { ...o.mappedFields, [k]: v } })}
          />
        ))}
      </div>
      {o.providers.map((p, i) => {
        const err = (k: string): string | undefined => props.errors[`oauth2.providers.${i}.${k}`];
        const extra = (p.extra ?? {}) as Record<string, unknown>;
        const setExtra = (k: string, v: unknown): void => {
          const next = { ...extra, [k]: v };
          if (v === undefined) delete next[k];
          setProvider(i, { ...p, extra: Object.keys(next).length ? next : null });
        };
        const name = str(p.name);
        return (
          <fieldset key={i} class="field-card" aria-label={`Provider ${name || i + 1}`}>
            <div class="head row">
              <b>{name || 'new provider'}</b>
              <span class="spacer" style="flex:1" />
              <button type="button" class="link danger" aria-label={`Remove provider ${name}`} onClick={() => props.onChange({ ...o, providers: o.providers.filter((_, j) => j !== i) })}>
                Remove
              </button>
            </div>
            <div class="grid2">
              <Select label="Provider" value={name} options={NAMES.includes(name) ? NAMES : [name, ...NAMES]} onChange={(v) => setProvider(i, { ...p, name: v })} />
              <TextInput label="Display name" value={str(p.displayName)} onInput={(v) => setProvider(i, { ...p, displayName: v })} error={err('displayName')} />
              <TextInput label="Client id" mono value={str(p.clientId)} onInput={(v) => setProvider(i, { ...p, clientId: v })} error={err('clientId')} />
              <TextInput
                label="Client secret"
                type="password"
                autoComplete="off"
                value={str(p.clientSecret)}
                hint="Never shown again; leave empty to keep the stored one"
                error={err('clientSecret')}
                onInput={(v) => {
                  const { clientSecret: _old, ...rest } = p;
                  setProvider(i, v ? { ...rest, clientSecret: v } : rest);
                }}
              />
              <TextInput label="Auth URL (override)" mono value={str(p.authURL)} onInput={(v) => setProvider(i, { ...p, authURL: v })} error={err('authURL')} />
              <TextInput label="Token URL (override)" mono value={str(p.tokenURL)} onInput={(v) => setProvider(i, { ...p, tokenURL: v })} error={err('tokenURL')} />
              <TextInput label="User info URL (override)" mono value={str(p.userInfoURL)} onInput={(v) => setProvider(i, { ...p, userInfoURL: v })} error={err('userInfoURL')} />
              <Select
                label="PKCE"
                value={p.pkce === false ? 'off' : p.pkce === true ? 'on' : 'default'}
                options={[
                  { value: 'default', label: 'default (on)' },
                  { value: 'on', label: 'on' },
                  { value: 'off', label: 'off' },
                ]}
                onChange={(v) => setProvider(i, { ...p, pkce: v === 'default' ? null : v === 'on' })}
              />
              <TextInput
                label="Scopes (override)"
                mono
                value={Array.isArray(extra.scopes) ? (extra.scopes as string[]).join(' ') : ''}
                hint="Space-separated; empty = the provider's defaults"
                onInput={(v) => {
                  const scopes = v.split(/[\s,]+/).filter(Boolean);
                  setExtra('scopes', scopes.length ? scopes : undefined);
                }}
              />
              {name.startsWith('oidc') || name === 'apple' ? (
                <TextInput label="Issuer" mono value={str(extra.issuer)} onInput={(v) => setExtra('issuer', v || undefined)} />
              ) : null}
            </div>
          </fieldset>
        );
      })}
      <div>
        <button
          type="button"
          onClick={() => {
            const used = new Set(o.providers.map((p) => str(p.name)));
            const name = NAMES.find((n) => !used.has(n)) ?? 'oidc';
            props.onChange({ ...o, providers: [...o.providers, { name, clientId: '', displayName: '', authURL: '', tokenURL: '', userInfoURL: '', pkce: null, extra: null }] });
          }}
        >
          + Add provider
        </button>
      </div>
    </div>
  );
}
