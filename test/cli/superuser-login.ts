/** `POST /api/collections/_superusers/auth-with-password`, as the README tells users to call it. */
export async function superuserLogin(
  url: string,
  identity: string,
  password: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/collections/_superusers/auth-with-password`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ identity, password }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
