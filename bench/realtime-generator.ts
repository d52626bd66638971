/**
 * The realtime bench's load generator, in its own process (forked by bench/realtime.ts): opens N
 * subscribers with lightweight clients (SSE: raw TCP sockets; WebSocket: the `ws` client, no SDK),
 * subscribes each to `feed/*`, then writes records at increasing rates and measures, per delivered
 * frame, the time from just before the write request was sent to the frame's arrival here.
 *
 * Frames are not decoded or JSON-parsed: the record title `w<seq>` is found in the received bytes
 * with indexOf, so the generator spends its CPU on sockets, not on parsing. Both transports use raw
 * TCP sockets (the WebSocket handshake is done by hand; server frames are never masked, so a
 * payload's bytes appear as they are in the stream). Talks to the parent over IPC.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

export interface GeneratorConfig {
  url: string;
  token: string;
  transport: 'sse' | 'ws';
  subscribers: number;
  /** Writes per second, one step each, in order; stops after the first step that is not sustained (unless `allSteps`). */
  rates: number[];
  allSteps: boolean;
  stepSec: number;
  /** Seconds of writes at the first rate before the first step, not measured (0: none). */
  warmupSec: number;
  /** p99 bound (ms) for a step to count as sustained. */
  p99BoundMs: number;
  /**
   * The compiled bench/realtime-receiver.c (`--generator c`): once subscribed, the sockets are handed
   * to it and it does the reading; this process only sends the writes. Unset: reading here, in Node.
   */
  receiver?: string;
}

export interface StepResult {
  writesPerSec: number;
  writes: number;
  expected: number;
  delivered: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  sustained: boolean;
}

export type GeneratorMessage =
  | { type: 'connected'; subscribers: number; ms: number }
  /** The C receiver's pid (`--generator c`): its CPU time counts as the generator's. */
  | { type: 'receiver'; pid: number }
  /** The warm-up's result (not a step: it is not measured). */
  | { type: 'warmup'; result: StepResult }
  /** Just before a step's first write: the parent samples the processes' CPU time. */
  | { type: 'stepStart'; writesPerSec: number }
  | { type: 'step'; result: StepResult }
  | { type: 'done' }
  | { type: 'error'; message: string };

const send = (m: GeneratorMessage): void => void process.send?.(m);

const MARK = Buffer.from('"title":"w');
/** Every SSE frame and every WebSocket event message ends with these bytes. */
const SSE_END = Buffer.from('\n\n');
const WS_END = Buffer.from('}}');
const HIST_MAX_MS = 60_000;

/** Per-step latency histogram in 0.1 ms buckets up to 1 s, then 1 ms buckets. */
class Histogram {
  fine = new Uint32Array(10_000);
  coarse = new Uint32Array(HIST_MAX_MS);
  count = 0;
  max = 0;
  add(ms: number): void {
    this.count++;
    if (ms > this.max) this.max = ms;
    if (ms < 1000) this.fine[Math.max(0, Math.floor(ms * 10))]!++;
    else this.coarse[Math.min(HIST_MAX_MS - 1, Math.floor(ms))]!++;
  }
  quantile(q: number): number {
    const target = Math.ceil(this.count * q);
    let seen = 0;
    for (let i = 0; i < this.fine.length; i++) if ((seen += this.fine[i]!) >= target) return (i + 1) / 10;
    for (let i = 1000; i < this.coarse.length; i++) if ((seen += this.coarse[i]!) >= target) return i + 1;
    return this.max;
  }
}

let sentAt: Float64Array = new Float64Array(0);
let hist = new Histogram();
let delivered = 0;
let lastDeliveryAt = 0;

/** Counts the deliveries in `bytes` up to `limit` (one or more whole frames/messages). */
function onFrames(bytes: Buffer, limit: number): void {
  const now = performance.now();
  let i = bytes.indexOf(MARK);
  while (i !== -1 && i < limit) {
    let at = i + MARK.length;
    let seq = 0;
    for (let c = bytes[at]!; c >= 0x30 && c <= 0x39; c = bytes[++at]!) seq = seq * 10 + (c - 0x30);
    const t0 = sentAt[seq];
    if (t0 !== undefined && t0 > 0) {
      hist.add(now - t0);
      delivered++;
      lastDeliveryAt = now;
    }
    i = bytes.indexOf(MARK, at);
  }
}

/**
 * Feeds `chunk` to `onFrames` whole frames at a time (a frame may be split across reads): returns
 * the unfinished tail to prepend to the next chunk.
 */
function scan(tail: Buffer | undefined, chunk: Buffer, end: Buffer): Buffer | undefined {
  const bytes = tail === undefined ? chunk : Buffer.concat([tail, chunk]);
  const last = bytes.lastIndexOf(end);
  if (last === -1) return bytes;
  onFrames(bytes, last);
  const rest = last + end.length;
  return rest < bytes.length ? bytes.subarray(rest) : undefined;
}

async function limited<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

const sockets: Socket[] = [];

/** One SSE subscriber on a raw socket: GET /api/realtime, read PB_CONNECT, POST the subscription. */
function openSse(cfg: GeneratorConfig): Promise<void> {
  const { hostname, port } = new URL(cfg.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    sockets.push(socket);
    socket.setNoDelay(true);
    let tail: Buffer | undefined;
    let clientId: string | undefined;
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      if (clientId === undefined) {
        const m = /"clientId":"(\w+)"/.exec(chunk.toString('latin1'));
        if (!m) return;
        clientId = m[1]!;
        fetch(`${cfg.url}/api/realtime`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId, subscriptions: ['feed/*'] }) }).then(
          async (res) => (res.status === 204 ? resolve() : reject(new Error(`POST /api/realtime: ${res.status} ${await res.text()}`))),
          reject,
        );
        return;
      }
      tail = scan(tail, chunk, SSE_END);
    });
    socket.write(`GET /api/realtime HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  });
}

/**
 * One WebSocket subscriber on a raw socket: the upgrade, then `subscribe` to feed/* (a client's
 * frames must be masked: a zero mask leaves the payload as it is), wait for `subscribed`.
 */
function openWs(cfg: GeneratorConfig): Promise<void> {
  const { hostname, port } = new URL(cfg.url);
  const subscribe = Buffer.from('{"type":"subscribe","id":1,"topic":"feed/*"}');
  const frame = Buffer.concat([Buffer.from([0x81, 0x80 | subscribe.length, 0, 0, 0, 0]), subscribe]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    sockets.push(socket);
    socket.setNoDelay(true);
    let tail: Buffer | undefined;
    let state: 'upgrading' | 'subscribing' | 'subscribed' = 'upgrading';
    let seen = '';
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      if (state === 'subscribed') {
        tail = scan(tail, chunk, WS_END);
        return;
      }
      seen += chunk.toString('latin1');
      if (state === 'upgrading') {
        if (!seen.includes('\r\n\r\n')) return;
        if (!seen.startsWith('HTTP/1.1 101')) return reject(new Error(seen));
        seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
        state = 'subscribing';
        socket.write(frame);
      }
      if (seen.includes('"subscribed"')) {
        state = 'subscribed';
        resolve();
      } else if (seen.includes('"error"')) reject(new Error(seen));
    });
    socket.write(
      `GET /api/realtime/ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runStep(cfg: GeneratorConfig, rate: number, firstSeq: number, seconds = cfg.stepSec, measured = true): Promise<StepResult> {
  const writes = Math.max(1, Math.round(rate * seconds));
  hist = new Histogram();
  delivered = 0;
  const expected = writes * cfg.subscribers;
  receiver?.reset();
  if (measured) send({ type: 'stepStart', writesPerSec: rate });
  const started = performance.now();
  const startedNs = process.hrtime.bigint();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < writes; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const seq = firstSeq + i;
    receiver?.sent(seq);
    sentAt[seq] = performance.now();
    pending.push(
      fetch(`${cfg.url}/api/collections/feed/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: cfg.token },
        body: `{"title":"w${seq}"}`,
      }).then(async (res) => {
        if (res.status !== 200) throw new Error(`write ${seq}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }),
    );
  }
  await Promise.all(pending);
  // Drain: everything sent is either delivered or given up on after 5 s without progress.
  let seen = -1;
  let idleSince = performance.now();
  for (;;) {
    const now = receiver === undefined ? delivered : (await receiver.query()).delivered;
    if (now >= expected) break;
    if (now !== seen) {
      seen = now;
      idleSince = performance.now();
    } else if (performance.now() - idleSince > 5000) break;
    await sleep(20);
  }
  if (receiver !== undefined) {
    const r = await receiver.end();
    const elapsedSec = Math.max(Number(r.lastNs - startedNs) / 1e6, 1) / 1000;
    return stepResult(cfg, rate, writes, expected, r.delivered, r.delivered / elapsedSec, r.p50Ms, r.p99Ms, r.maxMs);
  }
  const elapsedSec = Math.max(lastDeliveryAt - started, 1) / 1000;
  return stepResult(cfg, rate, writes, expected, delivered, delivered / elapsedSec, hist.quantile(0.5), hist.quantile(0.99), hist.max);
}

function stepResult(cfg: GeneratorConfig, rate: number, writes: number, expected: number, got: number, perSec: number, p50Ms: number, p99Ms: number, maxMs: number): StepResult {
  return {
    writesPerSec: rate,
    writes,
    expected,
    delivered: got,
    deliveriesPerSec: perSec,
    p50Ms,
    p99Ms,
    maxMs,
    sustained: got === expected && p99Ms < cfg.p99BoundMs,
  };
}

/**
 * The C receiver (bench/realtime-receiver.c) holding the subscribed sockets: this side tells it
 * when each write was sent (process.hrtime is CLOCK_MONOTONIC, the clock it reads arrivals with)
 * and asks for counts and the step's histogram.
 */
class Receiver {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: Array<(line: string) => void> = [];

  constructor(path: string, transport: 'sse' | 'ws', maxSeq: number, held: Socket[]) {
    // Each socket is duplicated into the child as fd 3, 4, …; this process then closes its copies.
    const child = spawn(path, [String(held.length), transport, String(maxSeq)], { stdio: ['pipe', 'pipe', 'inherit', ...held] });
    this.#child = child as unknown as ChildProcessWithoutNullStreams;
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#waiting.shift()?.(line));
    this.#child.once('exit', (code, signal) => {
      if (!stopping) {
        send({ type: 'error', message: `realtime-receiver exited (${code ?? signal})` });
        setTimeout(() => process.exit(1), 100);
      }
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  sent(seq: number): void {
    this.#child.stdin.write(`s ${seq} ${process.hrtime.bigint()}\n`);
  }

  reset(): void {
    this.#child.stdin.write('r\n');
  }

  async query(): Promise<{ delivered: number }> {
    const [, n] = (await this.#ask('q')).split(' ');
    return { delivered: Number(n) };
  }

  async end(): Promise<{ delivered: number; p50Ms: number; p99Ms: number; maxMs: number; lastNs: bigint }> {
    const [, n, p50, p99, max, last] = (await this.#ask('e')).split(' ');
    return { delivered: Number(n), p50Ms: Number(p50), p99Ms: Number(p99), maxMs: Number(max), lastNs: BigInt(last ?? '0') };
  }

  stop(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }

  #ask(command: string): Promise<string> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#child.stdin.write(`${command}\n`);
    });
  }
}

let receiver: Receiver | undefined;
let stopping = false;

async function main(cfg: GeneratorConfig): Promise<void> {
  const warmupWrites = cfg.warmupSec > 0 && cfg.rates[0] !== undefined ? Math.max(1, Math.round(cfg.rates[0] * cfg.warmupSec)) : 0;
  sentAt = new Float64Array(cfg.rates.reduce((n, r) => n + Math.round(r * cfg.stepSec) + 1, 0) + warmupWrites + 1);
  const t0 = performance.now();
  const open = cfg.transport === 'sse' ? openSse : openWs;
  await limited(cfg.subscribers, 200, () => open(cfg));
  if (cfg.receiver !== undefined) {
    // Nothing is sent to the subscribers between the set-up and the first step: no byte is lost.
    for (const s of sockets) s.pause();
    receiver = new Receiver(cfg.receiver, cfg.transport, sentAt.length - 1, sockets);
    for (const s of sockets.splice(0)) s.destroy();
    send({ type: 'receiver', pid: receiver.pid });
  }
  send({ type: 'connected', subscribers: cfg.subscribers, ms: Math.round(performance.now() - t0) });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  let seq = 1;
  // Warm-up: the first writes pay for compiling the write and fan-out paths (server and generator)
  // and the collection of the set-up's garbage, none of which recurs; measuring them would make the
  // first step's p99 a measure of start-up, not of fan-out.
  if (warmupWrites > 0) {
    const result = await runStep(cfg, cfg.rates[0]!, seq, cfg.warmupSec, false);
    seq += result.writes;
    send({ type: 'warmup', result });
  }
  for (const rate of cfg.rates) {
    const result = await runStep(cfg, rate, seq);
    seq += result.writes;
    send({ type: 'step', result });
    if (!result.sustained && !cfg.allSteps) break;
  }
  stopping = true;
  receiver?.stop();
  for (const s of sockets) s.destroy();
  send({ type: 'done' });
}

process.once('message', (cfg: GeneratorConfig) => {
  main(cfg).then(
    () => setTimeout(() => process.exit(0), 100),
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      setTimeout(() => process.exit(1), 100);
    },
  );
});
