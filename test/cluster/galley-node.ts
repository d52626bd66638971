/**
 * One `galley serve` process of a test cluster, and one-shot CLI commands, as child processes.
 * The environment is the test runner's minus every GALLEY_* setting (the machine's config must not
 * leak in), plus what the test passes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { galleyLauncher } from './galley-launcher.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ProcessOptions {
  cwd: string;
  env?: Record<string, string>;
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GALLEY_') && key !== 'NODE_TEST_CONTEXT') env[key] = value;
  }
  return { ...env, ...extra };
}

function spawnGalley(args: readonly string[], options: ProcessOptions): ChildProcess {
  return spawn(process.execPath, [...galleyLauncher().args, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function runGalley(args: readonly string[], options: ProcessOptions): Promise<CommandResult> {
  const child = spawnGalley(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export interface GalleyNode {
  name: string;
  /** `http://host:port`, as the banner printed it. */
  url: string;
  output(): string;
  /** SIGTERM, then the exit code. Idempotent. */
  stop(): Promise<number | null>;
}

const READY_LIMIT_MS = 60_000;

/** Starts `galley serve <args>` and resolves once its banner says it is ready. */
export async function startGalleyNode(name: string, args: readonly string[], options: ProcessOptions): Promise<GalleyNode> {
  const child = spawnGalley(['serve', ...args], options);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    // A guard against a hung child, not a timing assertion: the test fails with the child's output.
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${name} not ready after ${READY_LIMIT_MS / 1000} s:\n${output}`));
    }, READY_LIMIT_MS);
    const onData = (d: string): void => {
      output += d;
      const m = /REST API:\s+(\S+?)\/api\//.exec(output);
      if (m?.[1] && /Ready in/.test(output)) {
        clearTimeout(guard);
        resolve(m[1]);
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
    void exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`node ${name} exited with ${code} before it was ready:\n${output}`));
    });
  });
  let stopping: Promise<number | null> | undefined;
  return {
    name,
    url,
    output: () => output,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
        try {
          return await exited;
        } finally {
          clearTimeout(guard);
        }
      })();
      return stopping;
    },
  };
}
