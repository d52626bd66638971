/** `galley superuser upsert|delete`. */
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { configFromCommand, openApp } from './open-app.js';

/** SuperuserError messages are written for the operator (bad email, short password). */
function asCliError(err: unknown): unknown {
  return (err as { name?: unknown } | null)?.name === 'SuperuserError' ? new CliError((err as Error).message) : err;
}

export async function runSuperuserUpsert(cmd: Command, email: string, password: string): Promise<void> {
  const config = configFromCommand(cmd);
  const app = await openApp(config);
  let created: boolean;
  try {
    const { upsertSuperuser } = await import('../auth/superusers.js');
    ({ created } = await upsertSuperuser(app, email, password));
  } catch (err) {
    throw asCliError(err);
  } finally {
    await app.close();
  }
  process.stdout.write(`superuser ${email.trim()} ${created ? 'created' : 'updated (other sessions were logged out)'}\n`);
}

export async function runSuperuserDelete(cmd: Command, email: string): Promise<void> {
  const config = configFromCommand(cmd);
  const app = await openApp(config);
  let deleted: boolean;
  try {
    const { deleteSuperuser } = await import('../auth/superusers.js');
    deleted = await deleteSuperuser(app, email);
  } catch (err) {
    throw asCliError(err);
  } finally {
    await app.close();
  }
  if (!deleted) throw new CliError(`no superuser with the email ${email.trim()}`);
  process.stdout.write(`superuser ${email.trim()} deleted\n`);
}
