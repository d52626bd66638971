/**
 * A server under test running in its own child process, so its memory (RSS read from /proc) is
 * its own and not the load generator's. Knows how to wait until it answers, sample its RSS
 * during load, and stop it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processCpuSeconds } from './proc-stat.js';

export interface Target {
  /** Row label in the report. */
  name: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  process: ServerProcess;
  /** Stops the server and removes what it created. */
  stop(): Promise<void>;
  /**
   * Pids of database server processes working for this target only (PostgreSQL backends), whose
   * CPU is part of its cost; SQLite runs inside the server process.
   */
  databaseProcesses?(): Promise<number[]>;
}

export class ServerProcess {
  readonly child: ChildProcess;
  #output = '';

  constructor(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Kept (bounded) for error messages when the server fails to start.
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-8000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get output(): string {
    return this.#output;
  }

  /** Resolves with the port from the first `ready <port>` stdout line. */
  waitForReadyLine(timeoutMs = 20_000): Promise<number> {
    return new Promise((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => fail(new Error(`no "ready" line within ${timeoutMs} ms`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const m = /^ready (\d+)$/m.exec(buffered);
        if (m) {
          cleanup();
          resolve(Number(m[1]));
        }
      };
      const onExit = (code: number | null) => fail(new Error(`exited with code ${code} before it was ready`));
      const fail = (err: Error) => {
        cleanup();
        reject(new Error(`${err.message}\n--- server output ---\n${this.#output}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.off('exit', onExit);
      };
      this.child.stdout?.on('data', onData);
      this.child.once('exit', onExit);
    });
  }

  /** Polls `url` until it answers 200 (servers without a ready line). */
  async waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`exited with code ${this.child.exitCode}\n--- server output ---\n${this.#output}`);
      try {
        const res = await fetch(url);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms\n--- server output ---\n${this.#output}`);
      // Short: the time to the first 200 is reported as the server's ready time.
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Resident set size in bytes, from /proc (Linux); undefined when unavailable. */
  rss(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** CPU seconds (user + system, all threads) used so far, from /proc; undefined when unavailable. */
  cpuSeconds(): number | undefined {
    return processCpuSeconds(this.pid);
  }

  /** Samples RSS every `everyMs` until the returned function is called; that returns the peak. */
  sampleRss(everyMs = 200): () => number | undefined {
    let peak = this.rss();
    const timer = setInterval(() => {
      const now = this.rss();
      if (now !== undefined && (peak === undefined || now > peak)) peak = now;
    }, everyMs);
    return () => {
      clearInterval(timer);
      const now = this.rss();
      if (now !== undefined && (peak === undefined || now > peak)) peak = now;
      return peak;
    };
  }

  async stop(timeoutMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
