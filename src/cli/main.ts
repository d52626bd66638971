/**
 * The `galley` command. `bin/galley.js` calls `main(process.argv.slice(2))`. Only commander and
 * the command definitions load up front; each action imports what it needs when it runs, so
 * `galley --help` and `galley migrate create` stay instant.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { jobsCommand } from './jobs-command.js';
import { mailCommand } from './mail-command.js';
import { migrateCommand } from './migrate-command.js';
import { packageVersion } from './package-version.js';
import { serveCommand } from './serve-command.js';
import { superuserCommand } from './superuser-command.js';

export function buildProgram(): Command {
  const program = new Command('galley')
    .description('A complete backend in one TypeScript server (PocketBase-compatible API, SQLite or PostgreSQL).')
    .version(packageVersion(), '-v, --version', 'print the version')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'galley: ')) });
  program.addCommand(serveCommand(program));
  program.addCommand(superuserCommand(program));
  program.addCommand(migrateCommand(program));
  program.addCommand(jobsCommand(program));
  program.addCommand(mailCommand(program));
  return program;
}

/**
 * Runs one CLI invocation and sets `process.exitCode`; never throws. Long-running commands
 * (`serve`) resolve once they are up and keep the process alive with their server.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message (or the help/version) already.
    return err.exitCode;
  }
  if (err instanceof CliError) {
    process.stderr.write(`galley: ${err.message}\n`);
    return err.exitCode;
  }
  const name = (err as { name?: unknown })?.name;
  if (name === 'MigrationError') {
    process.stderr.write(`galley: ${(err as Error).message}\n`);
    return 1;
  }
  // A bug, not an operator mistake: say so in one line; the stack only on request.
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  process.stderr.write(`galley: unexpected error: ${message}\n`);
  if (process.env.GALLEY_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
  else process.stderr.write('galley: set GALLEY_DEBUG=1 to see the stack trace\n');
  return 1;
}
