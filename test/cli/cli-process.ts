/**
 * Runs the real CLI in a child process, from source through tsx (`src/cli/main-entry.ts`), so the
 * tests need no build and exercise exactly the code under test. `startServe` waits for the banner
 * and returns the URL it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { galleyChildEnv, isRunning, processResult, waitForServe, type ProcessResult } from '../../src/testing/galley-process.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const entry = fileURLToPath(new URL('../../src/cli/main-entry.ts', import.meta.url));
// Resolved here, not by the child: tests run the CLI in temp dirs that have no node_modules.
const tsxLoader = import.meta.resolve('tsx');

export type CliResult = ProcessResult;

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Run the built `bin/galley.js` (dist/) instead of the source through tsx. */
  built?: boolean;
}

const bin = fileURLToPath(new URL('../../bin/galley.js', import.meta.url));

/** Whether `npm run build` has produced the CLI (CI builds before testing). */
export function isBuilt(): boolean {
  return existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
}

function spawnCli(args: readonly string[], options: CliOptions): ChildProcess {
  const argv = options.built ? [bin, ...args] : ['--import', tsxLoader, entry, ...args];
  return spawn(process.execPath, argv, {
    cwd: options.cwd ?? repoRoot,
    env: galleyChildEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return processResult(spawnCli(args, options));
}

export interface ServeProcess {
  url: string;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Milliseconds from spawn to the banner (process start included). */
  readyMs: number;
  /** Sends SIGTERM (or the given signal) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `galley serve ...`, resolves once the banner is printed, rejects if the process exits first. */
export async function startServe(args: readonly string[], options: CliOptions = {}): Promise<ServeProcess> {
  const started = performance.now();
  const child = spawnCli(['serve', ...args], options);
  const serve = await waitForServe(child, 'serve');
  const readyMs = performance.now() - started;
  return {
    url: serve.url,
    readyMs,
    output: () => ({ stdout: serve.stdout(), stderr: serve.stderr() }),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (isRunning(child)) child.kill(signal);
      return serve.exited;
    },
  };
}
