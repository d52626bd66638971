/**
 * Starts the hand-written Fastify baseline on a SQLite dataset file or a PostgreSQL database.
 *
 * The server is compiled to plain JavaScript first (esbuild, types stripped, dependencies left as
 * imports) and run with bare `node`, as Galley runs from its built `dist/`: running it under the
 * tsx loader would add ~8-15 MB of loader RSS to the baseline and skew the memory ratio.
 */
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from '../server-process.js';
import type { Target } from '../server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE = fileURLToPath(new URL('../baseline/fastify-server.ts', import.meta.url));
// Under node_modules so the compiled file resolves fastify and better-sqlite3 from the project.
const COMPILED = `${ROOT}node_modules/.cache/galley-bench/fastify-server.mjs`;

let compiled = false;

function compileBaseline(): string {
  if (!compiled) {
    buildSync({
      entryPoints: [SOURCE],
      outfile: COMPILED,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    });
    compiled = true;
  }
  return COMPILED;
}

/**
 * `database`: a SQLite file, or a `postgres://` URL. `wrapper`: a command prefix the server runs
 * under (`valgrind --tool=callgrind …`, see ../callgrind.ts); `nodeArgs`: flags for node.
 */
export async function startBaseline(name: string, database: string, options: { wrapper?: readonly string[]; nodeArgs?: readonly string[] } = {}): Promise<Target> {
  const where = /^postgres(ql)?:/.test(database) ? ['--pg', database] : ['--db', database];
  const wrapper = options.wrapper ?? [];
  const [command, ...args] = [...wrapper, process.execPath, ...(options.nodeArgs ?? []), compileBaseline(), ...where, '--port', '0'];
  const proc = new ServerProcess(command as string, args);
  try {
    const port = await proc.waitForReadyLine(wrapper.length > 0 ? 600_000 : 90_000);
    return { name, url: `http://127.0.0.1:${port}`, process: proc, stop: () => proc.stop() };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}
