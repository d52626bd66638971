/**
 * The benchmark only means something if every server answers the same thing: before measuring,
 * each sample request goes to every target and the status and body bytes must equal the
 * baseline's. A difference fails the run.
 *
 * Writes and logins answer with values each server generates itself (record ids, timestamps,
 * signed tokens); the scenario names those keys and their string values are replaced by a
 * placeholder on both sides first. Every other byte must still match.
 */
import type { BenchRequest } from './scenarios.js';

export interface Mismatch {
  target: string;
  path: string;
  detail: string;
}

/** A target with the headers its requests carry (its own token for a signed-in scenario). */
export interface Session {
  name: string;
  url: string;
  headers: Record<string, string>;
}

async function fetchBytes(url: string, request: BenchRequest, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url + request.path, {
    method: request.method,
    headers: request.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Replaces the string value of every `"key":"…"` for the given keys, at any depth. */
export function normaliseBody(body: Buffer, keys: readonly string[] | undefined): Buffer {
  if (!keys || keys.length === 0) return body;
  const pattern = new RegExp(`"(${keys.map((k) => k.replace(/[^\w]/g, '\\$&')).join('|')})":"(?:[^"\\\\]|\\\\.)*"`, 'g');
  return Buffer.from(body.toString('utf8').replace(pattern, '"$1":"<generated>"'));
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
  baseline: Session,
  others: readonly Session[],
  requests: readonly BenchRequest[],
  normalise?: readonly string[],
): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const request of requests) {
    const expected = await fetchBytes(baseline.url, request, baseline.headers);
    const expectedBody = normaliseBody(expected.body, normalise);
    for (const target of others) {
      const actual = await fetchBytes(target.url, request, target.headers);
      const label = `${request.method} ${request.path}`;
      if (actual.status !== expected.status) {
        mismatches.push({ target: target.name, path: label, detail: `status ${actual.status}, baseline ${expected.status}: ${actual.body.toString('utf8').slice(0, 300)}` });
        continue;
      }
      const actualBody = normaliseBody(actual.body, normalise);
      if (!actualBody.equals(expectedBody)) mismatches.push({ target: target.name, path: label, detail: describeDifference(expectedBody, actualBody) });
    }
  }
  return mismatches;
}
