/**
 * The benchmark only means something if every server answers the same thing: before measuring,
 * each sample request goes to every target and the status and body bytes must equal the
 * baseline's. A difference fails the run.
 */
import type { Target } from './server-process.js';

export interface Mismatch {
  target: string;
  path: string;
  detail: string;
}

async function fetchBytes(url: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Where two byte strings first differ, with a little context from each. */
export function describeDifference(expected: Buffer, actual: Buffer): string {
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const from = Math.max(0, i - 40);
  const show = (b: Buffer) => JSON.stringify(b.subarray(from, i + 60).toString('utf8'));
  return `bodies differ at byte ${i} (lengths ${expected.length} vs ${actual.length}): baseline …${show(expected)}… vs …${show(actual)}…`;
}

export async function compareResponses(
  baseline: Target,
  others: readonly Target[],
  paths: readonly string[],
  headers: Record<string, string> = {},
): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const path of paths) {
    const expected = await fetchBytes(baseline.url + path, headers);
    for (const target of others) {
      const actual = await fetchBytes(target.url + path, headers);
      if (actual.status !== expected.status) {
        mismatches.push({ target: target.name, path, detail: `status ${actual.status}, baseline ${expected.status}` });
      } else if (!actual.body.equals(expected.body)) {
        mismatches.push({ target: target.name, path, detail: describeDifference(expected.body, actual.body) });
      }
    }
  }
  return mismatches;
}
