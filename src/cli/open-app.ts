/**
 * Resolves the configuration and opens the app for a command, turning the failures an operator
 * causes (bad values, unreachable database or Redis, unwritable data dir) into one-line CliErrors.
 * Loaded lazily by command actions: it pulls in the whole server.
 */
import type { Command } from 'commander';
import type { App } from '../app/app.js';
import { ConfigError, parseHttpAddress, resolveConfig, type GalleyConfig } from '../app/config.js';
import { isDatabaseConnectError } from '../db/database-connect-error.js';
import { CliError, connectionFailure } from './cli-error.js';
import { configInputFromFlags, flagForConfigKey } from './config-options.js';

export function configFromCommand(cmd: Command): Readonly<GalleyConfig> {
  let config: Readonly<GalleyConfig>;
  try {
    config = resolveConfig(configInputFromFlags(cmd));
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(describeConfigIssues(err.issues));
    throw err;
  }
  // The config's pattern admits any 5 digits; catch 65536+ here rather than as a listen() crash.
  if (parseHttpAddress(config.http).port > 65535) {
    throw new CliError(`invalid --http (or GALLEY_HTTP): the port must be between 0 and 65535, got "${config.http}"`);
  }
  return config;
}

/** `http (GALLEY_HTTP): expected HOST:PORT` -> `invalid --http (or GALLEY_HTTP): expected HOST:PORT`. */
function describeConfigIssues(issues: readonly string[]): string {
  return issues
    .map((issue) => {
      const m = /^(\w+)(?: \((\w+)\))?: (.*)$/.exec(issue);
      if (!m) return `invalid configuration: ${issue}`;
      const flag = flagForConfigKey(m[1] ?? '');
      const where = flag && m[2] ? `${flag} (or ${m[2]})` : flag ?? m[2] ?? m[1];
      return `invalid ${where}: ${m[3]}`;
    })
    .join('\n');
}

export async function openApp(config: Readonly<GalleyConfig>): Promise<App> {
  const { App } = await import('../app/app.js');
  try {
    return await App.open(config);
  } catch (err) {
    // The db layer already words its connect failures for an operator (with the URL redacted).
    if (isDatabaseConnectError(err)) throw new CliError(lowerFirst(err.message.replace(/\.$/, '')));
    const known = connectionFailure(err, {
      ...(config.databaseUrl ? { postgres: config.databaseUrl } : {}),
      ...(config.redisUrl ? { redis: config.redisUrl } : {}),
      dataDir: config.dataDir,
    });
    if (known) throw known;
    throw err;
  }
}

/** "Cannot open ..." reads as "galley: cannot open ..."; acronyms ("PostgreSQL") stay as they are. */
function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}
