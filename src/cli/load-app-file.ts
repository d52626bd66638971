/**
 * `--app FILE`: the user's own code, loaded with tsx like migrations. Preliminary until the hooks
 * API lands: the module is imported and, if its default export is a function, called once with
 * the opened app before the server starts listening.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { App } from '../app/app.js';
import { loadUserModule } from '../migrations/load-user-module.js';
import { CliError } from './cli-error.js';

export async function loadAppFile(file: string, app: App): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CliError(`--app ${file}: no such file`);
  let init: unknown;
  try {
    init = await loadUserModule(path);
  } catch (err) {
    throw new CliError(`--app ${file} could not be loaded: ${firstLine(err)}`);
  }
  if (typeof init !== 'function') return;
  try {
    await (init as (app: App) => unknown)(app);
  } catch (err) {
    throw new CliError(`--app ${file}: its default export threw: ${firstLine(err)}`);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
