/**
 * nginx (the Debian package) as a round-robin load balancer in front of test nodes: a generated
 * config in a temp dir, run in the foreground as a child process (`nginx -p <dir> -c <conf> -g
 * 'daemon off;'`), never touching the system's nginx. The config is what docs/realtime.md
 * recommends for SSE and WebSocket: HTTP/1.1 upstreams, Upgrade/Connection passed on, no response
 * buffering, long read timeouts. Every response carries `X-Upstream` (the node that answered), so
 * a test can see where round-robin sent each request.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { kill } from 'node:process';
import { freePort } from '../../bench/targets/galley.js';
import { join } from 'node:path';

export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** The nginx binary, or undefined when the package is not installed. */
export function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    const probe = spawnSync(candidate, ['-v'], { stdio: 'ignore' });
    if (probe.error === undefined && probe.status === 0) return candidate;
  }
  return undefined;
}

/** The config for a round-robin balancer over `upstreams` (`host:port`), SSE- and WebSocket-friendly. */
export function nginxConfig(dir: string, port: number, upstreams: readonly string[]): string {
  // As root, the master would switch its workers to `nobody`, who cannot write the temp dir.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;

  # "Connection: upgrade" only for WebSocket requests; otherwise keep the upstream connection alive.
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }

  upstream galley {
${upstreams.map((u) => `    server ${u};`).join('\n')}
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${port};
    client_max_body_size 10m;
    location / {
      proxy_pass http://galley;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

async function listening(port: number): Promise<boolean> {
  const socket = createConnection({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

const READY_LIMIT_MS = 15_000;

/** Starts nginx in front of `upstreams` and resolves once it accepts connections. */
export async function startNginx(binary: string, upstreams: readonly string[]): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-nginx-'));
  await mkdir(join(dir, 'tmp'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, nginxConfig(dir, port, upstreams));
  // -e: the startup error log too goes to the temp dir, not /var/log/nginx.
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a stop that has to force it kills the workers with the master.
    detached: true,
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  // 'exit', not 'close': workers share the master's stdio pipes.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const stop = async (): Promise<void> => {
    if (alive) {
      child.kill('SIGTERM'); // fast shutdown: open streams are cut
      const guard = setTimeout(() => kill(-child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(guard);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (!(await listening(port))) {
    if (!alive || Date.now() - started > READY_LIMIT_MS) {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(`nginx did not start listening on ${port}:\n${output}\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
}
