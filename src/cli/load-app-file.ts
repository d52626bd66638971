/**
 * The app file (docs/hooks.md): `--app FILE`, or `galley.config.ts` in the working directory when
 * present. Loaded with tsx like migrations; its default export (`defineApp((app) => ...)`) binds
 * hooks, routes and job kinds through `AppFileBindings`. With `watch` (serve --dev) a change to a
 * script in the file's folder reloads it: the new version replaces the old at once, and a broken
 * version is reported and the previous one keeps running.
 */
import { existsSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { App } from '../app/app.js';
import { AppFileBindings } from '../app/app-file.js';
import type { AppFileInit } from '../app/app-file.js';
import { loadUserModule } from '../migrations/load-user-module.js';
import { CliError } from './cli-error.js';

export const DEFAULT_APP_FILE = 'galley.config.ts';

/** The app file to load: the configured one, else `galley.config.ts` in `cwd` if it exists. */
export function resolveAppFile(configured: string | undefined, cwd = process.cwd()): string | undefined {
  if (configured) return configured;
  const auto = resolve(cwd, DEFAULT_APP_FILE);
  return existsSync(auto) ? auto : undefined;
}

/**
 * The migrations folder beside the app file (`<app file's folder>/migrations`), when it exists: what
 * `serve` applies when no `--migrations`/`GALLEY_MIGRATIONS` is given, so an app folder carries its
 * schema with it (`galley serve --app examples/shop/galley.config.ts` is all a user runs).
 */
export function appFileMigrationsDir(appFile: string): string | undefined {
  const dir = resolve(dirname(resolve(appFile)), 'migrations');
  return existsSync(dir) ? dir : undefined;
}

export interface LoadAppFileOptions {
  /** Reload on change (serve --dev). */
  watch?: boolean;
  /** Told after each reload attempt (tests; the CLI prints). */
  onReload?: (error?: Error) => void;
}

export async function loadAppFile(file: string, app: App, options: LoadAppFileOptions = {}): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CliError(`--app ${file}: no such file`);
  const bindings = new AppFileBindings(app);
  const load = async (): Promise<void> => {
    let init: unknown;
    try {
      init = await loadUserModule(path);
    } catch (err) {
      throw new CliError(`app file ${file} could not be loaded: ${firstLine(err)}`);
    }
    if (typeof init !== 'function') {
      throw new CliError(`app file ${file}: its default export must be a function (export default defineApp((app) => { ... }))`);
    }
    try {
      await bindings.apply(init as AppFileInit);
    } catch (err) {
      throw new CliError(`app file ${file}: its default export threw: ${firstLine(err)}`);
    }
  };
  await load();
  if (!options.watch) return;

  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const reload = (): void => {
    running = running.then(async () => {
      try {
        await load();
        app.logger.info(`app file ${file} reloaded`);
        options.onReload?.();
      } catch (err) {
        app.logger.error(`${(err as Error).message} (the previous version keeps running)`);
        options.onReload?.(err as Error);
      }
    });
  };
  let watcher: FSWatcher | undefined;
  try {
    // The folder, not the file: editors replace files on save, and helpers beside it count too.
    watcher = watch(dirname(path), (_event, name) => {
      if (name !== null && !/\.(c|m)?(t|j)sx?$/.test(String(name))) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 150);
    });
    watcher.unref();
  } catch (err) {
    app.logger.warn(`cannot watch ${file} for changes: ${firstLine(err)}`);
  }
  app.onTerminate.bind({ id: 'galley.app-file-watch', priority: -1_000_000, fn: async (e) => {
    clearTimeout(timer);
    watcher?.close();
    await e.next();
  } });
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
