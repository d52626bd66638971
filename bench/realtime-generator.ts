/**
 * The realtime bench's load generator, in its own process (forked by bench/realtime.ts): opens N
 * subscribers with lightweight clients (SSE: raw TCP sockets; WebSocket: the `ws` client, no SDK),
 * subscribes each to `feed/*`, then writes records at increasing rates and measures, per delivered
 * frame, the time from just before the write request was sent to the frame's arrival here.
 *
 * Frames are not JSON-parsed: the record title `w<seq>` is found with indexOf, so the generator
 * spends its CPU on sockets, not on parsing. Talks to the parent over IPC.
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';

export interface GeneratorConfig {
  url: string;
  token: string;
  transport: 'sse' | 'ws';
  subscribers: number;
  /** Writes per second, one step each, in order; stops after the first step that is not sustained. */
  rates: number[];
  stepSec: number;
  /** p99 bound (ms) for a step to count as sustained. */
  p99BoundMs: number;
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
  | { type: 'step'; result: StepResult }
  | { type: 'done' }
  | { type: 'error'; message: string };

const send = (m: GeneratorMessage): void => void process.send?.(m);

const MARK = '"title":"w';
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

/** Counts the deliveries in `text` (one or more whole frames/messages). */
function onFrames(text: string): void {
  const now = performance.now();
  let i = text.indexOf(MARK);
  while (i !== -1) {
    const start = i + MARK.length;
    const end = text.indexOf('"', start);
    const seq = Number(text.slice(start, end));
    const t0 = sentAt[seq];
    if (t0 !== undefined && t0 > 0) {
      hist.add(now - t0);
      delivered++;
      lastDeliveryAt = now;
    }
    i = text.indexOf(MARK, end);
  }
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

const sockets: Array<Socket | WebSocket> = [];

/** One SSE subscriber on a raw socket: GET /api/realtime, read PB_CONNECT, POST the subscription. */
function openSse(cfg: GeneratorConfig): Promise<void> {
  const { hostname, port } = new URL(cfg.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    sockets.push(socket);
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    let buffer = '';
    let clientId: string | undefined;
    socket.once('error', reject);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.lastIndexOf('\n\n');
      if (end === -1) return;
      const frames = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (clientId === undefined) {
        const m = /"clientId":"(\w+)"/.exec(frames);
        if (!m) return;
        clientId = m[1]!;
        fetch(`${cfg.url}/api/realtime`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId, subscriptions: ['feed/*'] }) }).then(
          async (res) => (res.status === 204 ? resolve() : reject(new Error(`POST /api/realtime: ${res.status} ${await res.text()}`))),
          reject,
        );
        return;
      }
      onFrames(frames);
    });
    socket.write(`GET /api/realtime HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  });
}

/** One WebSocket subscriber: `subscribe` to feed/*, wait for `subscribed`. */
function openWs(cfg: GeneratorConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${cfg.url.replace(/^http/, 'ws')}/api/realtime/ws`, { perMessageDeflate: false });
    sockets.push(ws);
    let subscribed = false;
    ws.once('error', reject);
    ws.on('open', () => ws.send('{"type":"subscribe","id":1,"topic":"feed/*"}'));
    ws.on('message', (data) => {
      const text = String(data);
      if (subscribed) return onFrames(text);
      if (text.includes('"subscribed"')) {
        subscribed = true;
        resolve();
      } else if (text.includes('"error"')) reject(new Error(text));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runStep(cfg: GeneratorConfig, rate: number, firstSeq: number): Promise<StepResult> {
  const writes = Math.max(1, Math.round(rate * cfg.stepSec));
  hist = new Histogram();
  delivered = 0;
  const expected = writes * cfg.subscribers;
  const started = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < writes; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const seq = firstSeq + i;
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
  while (delivered < expected) {
    if (delivered !== seen) {
      seen = delivered;
      idleSince = performance.now();
    } else if (performance.now() - idleSince > 5000) break;
    await sleep(20);
  }
  const elapsedSec = Math.max(lastDeliveryAt - started, 1) / 1000;
  const p99 = hist.quantile(0.99);
  return {
    writesPerSec: rate,
    writes,
    expected,
    delivered,
    deliveriesPerSec: delivered / elapsedSec,
    p50Ms: hist.quantile(0.5),
    p99Ms: p99,
    maxMs: hist.max,
    sustained: delivered === expected && p99 < cfg.p99BoundMs,
  };
}

async function main(cfg: GeneratorConfig): Promise<void> {
  sentAt = new Float64Array(cfg.rates.reduce((n, r) => n + Math.round(r * cfg.stepSec) + 1, 0) + 1);
  const t0 = performance.now();
  const open = cfg.transport === 'sse' ? openSse : openWs;
  await limited(cfg.subscribers, 200, () => open(cfg));
  send({ type: 'connected', subscribers: cfg.subscribers, ms: Math.round(performance.now() - t0) });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  let seq = 1;
  for (const rate of cfg.rates) {
    const result = await runStep(cfg, rate, seq);
    seq += result.writes;
    send({ type: 'step', result });
    if (!result.sustained) break;
  }
  for (const s of sockets) (s instanceof WebSocket ? s.terminate() : s.destroy());
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
