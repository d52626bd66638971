/**
 * Which build of better-sqlite3 this Node runs.
 *
 * better-sqlite3 12 wraps its objects in `node::ObjectWrap`, whose destructor aborts the process on
 * Node 24 ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook) when the garbage
 * collector frees a statement — during normal operation, not only at exit. Version 13 is built on
 * Node-API and ships prebuilt binaries, but they need Node >= 22 (on Node 20 they crash at once).
 * Both are dependencies (13 under the alias `better-sqlite3-napi`); the JavaScript API is the same.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);

/** The package name in use: `better-sqlite3-napi` (v13) on Node >= 22, `better-sqlite3` (v12) on Node 20. */
export const betterSqlite3Package = nodeMajor >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';

export const BetterSqlite3Driver: typeof BetterSqlite3 = require(betterSqlite3Package) as typeof BetterSqlite3;
