/**
 * Runs the real CLI in a child process, from source through tsx (`src/cli/main-entry.ts`), so the
 * tests need no build and exercise exactly the code under test. `startServe` waits for the banner
 * and returns the URL it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const entry = fileURLToPath(new URL('../../src/cli/main-entry.ts', import.meta.url));
// Resolved here, not by the child: tests run the CLI in temp dirs that have no node_modules.
const tsxLoader = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

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

/** The environment without the GALLEY_* variables of the machine running the tests. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('GALLEY_') || k.startsWith('GALLEY_TEST_')) env[k] = v;
  }
  delete env.NODE_TEST_CONTEXT;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function spawnCli(args: readonly string[], options: CliOptions): ChildProcess {
  const argv = options.built ? [bin, ...args] : ['--import', tsxLoader, entry, ...args];
  return spawn(process.execPath, argv, {
    cwd: options.cwd ?? repoRoot,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
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
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not become ready in 60 s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 60_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /REST API:\s+(\S+?)\/api\//.exec(stdout);
      if (m && /Ready in/.test(stdout)) {
        clearTimeout(timer);
        resolve(m[1] ?? '');
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
  const readyMs = performance.now() - started;
  return {
    url,
    readyMs,
    output: () => ({ stdout, stderr }),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
