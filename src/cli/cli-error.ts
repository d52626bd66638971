/**
 * Failures the operator can fix (a bad flag, a database that does not answer, a port in use) end
 * the CLI with one line on stderr and a non-zero exit code, never a stack trace. Everything that
 * is known to be such a failure is turned into a CliError here, in one place.
 */
import { redactUrl } from '../lib/redact-url.js';

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

interface ErrorWithCode {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  // PostgreSQL SQLSTATEs a wrong URL produces.
  '3D000': 'database does not exist',
  '28P01': 'password authentication failed',
  '28000': 'authentication rejected',
  '3F000': 'schema does not exist',
};

/** The error's code, looking inside AggregateError (Node reports dual-stack connects that way). */
function errorCode(err: unknown): string | undefined {
  const e = err as ErrorWithCode | undefined;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.code === 'string' && e.code) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = errorCode(inner);
      if (code) return code;
    }
  }
  const cause = (err as { cause?: unknown }).cause;
  return cause ? errorCode(cause) : undefined;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] || (err instanceof Error ? err.name : 'unknown error');
}

/** A one-line message for a failure to open the database (or Redis), or undefined if it is not one. */
export function connectionFailure(err: unknown, what: { postgres?: string; redis?: string; dataDir?: string }): CliError | undefined {
  const code = errorCode(err);
  const message = firstLine(err);
  const looksRedis = /redis/i.test(message) || (err as { name?: string })?.name?.includes('Redis');
  if (looksRedis && what.redis) {
    return new CliError(`cannot connect to Redis at ${redactUrl(what.redis)}: ${code ? CONNECT_CODES[code] ?? message : message}`);
  }
  if (code && code in CONNECT_CODES && what.postgres) {
    return new CliError(`cannot connect to PostgreSQL at ${redactUrl(what.postgres)}: ${CONNECT_CODES[code]}`);
  }
  if (what.postgres && /connect|timeout|terminated/i.test(message) && !code?.match(/^[0-9A-Z]{5}$/)) {
    return new CliError(`cannot connect to PostgreSQL at ${redactUrl(what.postgres)}: ${message}`);
  }
  if (what.dataDir && (code === 'EACCES' || code === 'EROFS' || code === 'ENOTDIR' || code === 'SQLITE_CANTOPEN')) {
    return new CliError(`cannot open the data directory ${what.dataDir}: ${message}`);
  }
  return undefined;
}

/** A one-line message for a failure to listen, or undefined if it is not one. */
export function listenFailure(err: unknown, address: string): CliError | undefined {
  switch (errorCode(err)) {
    case 'EADDRINUSE':
      return new CliError(`cannot listen on ${address}: the port is already in use (pick another with --http HOST:PORT)`);
    case 'EACCES':
      return new CliError(`cannot listen on ${address}: permission denied (ports below 1024 need privileges)`);
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${address}: the address is not available on this machine`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError(`cannot listen on ${address}: unknown host`);
    default:
      return undefined;
  }
}
