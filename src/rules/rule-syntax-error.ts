import { apiError } from '../core/errors.js';
import type { ApiError } from '../core/errors.js';

/**
 * A filter or rule that cannot be used: bad syntax, an unknown field, a limit exceeded. `column`
 * is 1-based over the expression's characters (UTF-16 units, as a browser's text field counts).
 */
export class RuleSyntaxError extends Error {
  readonly column: number;
  readonly reason: string;

  constructor(reason: string, offset: number) {
    const column = Math.max(1, offset + 1);
    super(`${reason} at column ${column}.`);
    this.name = 'RuleSyntaxError';
    this.reason = reason;
    this.column = column;
  }
}

/** The client-facing 400 for a bad `?filter=` (or rule), with the column in the message. */
export function invalidFilterError(err: RuleSyntaxError): ApiError {
  return apiError('invalid_filter', `Invalid filter: ${err.reason} at column ${err.column}.`, {}, err);
}

/** The client-facing 400 for a bad `?sort=`. */
export function invalidSortError(err: RuleSyntaxError): ApiError {
  return apiError('invalid_sort', `Invalid sort: ${err.reason} at column ${err.column}.`, {}, err);
}
