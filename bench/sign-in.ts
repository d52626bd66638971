import { USER_PASSWORD } from './dataset.js';
import { requestJson } from './request-json.js';
import type { Target } from './server-process.js';

/** Signs a bench user in on a target: its token authorises that target's signed-in scenarios. */
export async function signIn(target: Target, email: string): Promise<string> {
  const res = await requestJson(`${target.url}/api/collections/users/auth-with-password`, 'POST', { identity: email, password: USER_PASSWORD });
  const token = (res.json as { token?: unknown } | undefined)?.token;
  if (res.status !== 200 || typeof token !== 'string') throw new Error(`${target.name}: signing in answered ${res.status}`);
  return token;
}
