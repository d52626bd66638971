/**
 * Raised when a database cannot be opened at all (server unreachable, database missing, bad
 * credentials, unwritable file). The message is meant for an operator as is: the CLI prints it
 * without a stack. `code` is the driver's (ECONNREFUSED, 3D000, 28P01, SQLITE_CANTOPEN ...).
 */
export class DatabaseConnectError extends Error {
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseConnectError';
    this.code = code;
  }
}

export function isDatabaseConnectError(err: unknown): err is DatabaseConnectError {
  return err instanceof DatabaseConnectError;
}
