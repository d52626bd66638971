/**
 * One line for an error thrown by migration code: the message plus, for validation errors from the
 * record engine, the first few field errors (which is what tells the author what to fix).
 */
import { isApiError } from '../core/errors.js';

export function describeError(err: unknown): string {
  if (isApiError(err)) {
    const details = flatten(err.data, '').slice(0, 5);
    return details.length ? `${err.message} (${details.join('; ')})` : err.message;
  }
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err);
}

function flatten(data: unknown, prefix: string): string[] {
  if (!data || typeof data !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && 'code' in value && 'message' in value) {
      out.push(`${path}: ${String((value as { message: unknown }).message)}`);
    } else {
      out.push(...flatten(value, path));
    }
  }
  return out;
}
