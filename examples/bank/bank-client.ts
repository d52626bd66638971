/**
 * Test helpers for the bank example: a keep-alive HTTP client (bounded sockets, so 2,000 requests
 * fired at once queue in the client instead of opening 2,000 connections), TOTP codes, and a
 * customer signed in with password + TOTP.
 */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export class BankClient {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 48 });
  constructor(readonly url: string) {}

  call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = options.token;
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.url), { method, headers, agent: this.#agent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The call's body; throws with the answer unless the status is `expected`. */
  async ok(method: string, path: string, options: CallOptions = {}, expected = 200): Promise<any> {
    const r = await this.call(method, path, options);
    if (r.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, `offset` steps from now. */
export function totp(secret: string, offset = 0): string {
  const bits = [...secret.replace(/=+$/, '')].map((c) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + offset));
  const h = createHmac('sha1', key).update(step).digest();
  return String((h.readUInt32BE(h[19]! & 15) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

export interface Customer {
  id: string;
  email: string;
  /** Password-only session. */
  passwordToken: string;
  /** Password + TOTP session (`amr: ["password", "totp"]`). */
  token: string;
}

/** Signs a customer up, enrols TOTP and signs in with both factors. */
export async function mfaCustomer(c: BankClient, email: string): Promise<Customer> {
  const password = `${email}-pw-123`;
  const users = '/api/collections/users';
  await c.ok('POST', `${users}/records`, { body: { email, password, passwordConfirm: password } });
  const first = await c.ok('POST', `${users}/auth-with-password`, { body: { identity: email, password } });
  const { secret } = await c.ok('POST', `${users}/totp/setup`, { token: first.token });
  // Each time step is accepted once, and one step of drift either way: confirm with the current
  // step's code and sign in with the next one, which stays valid if a step ends in between.
  await c.ok('POST', `${users}/totp/confirm`, { token: first.token, body: { code: totp(secret) } });
  const pending = await c.call('POST', `${users}/auth-with-password`, { body: { identity: email, password } });
  if (pending.status !== 401 || !pending.body?.mfaId) throw new Error(`expected an mfaId, got ${pending.status} ${JSON.stringify(pending.body)}`);
  const second = await c.ok('POST', `${users}/auth-with-totp`, { body: { mfaId: pending.body.mfaId, code: totp(secret, 1) } });
  return { id: first.record.id, email, passwordToken: first.token, token: second.token };
}
