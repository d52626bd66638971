/**
 * Polls `check` until it holds; fails with `what` after `timeoutMs` (a guard against a test that
 * would hang, not a timing assertion). For state that another node or a background job changes.
 */
import assert from 'node:assert/strict';

export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 5_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
