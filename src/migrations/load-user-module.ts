/**
 * Loads user code (migration files, the app file) with tsx's programmatic API and returns its
 * default export. Each call gets a fresh module instance (tsx namespaces its imports), so a file
 * can be loaded again after it changed.
 *
 * A `.ts` file outside a `"type": "module"` package is compiled as CommonJS, where
 * `export default x` becomes `module.exports.default = x` and reaches us one level deeper; both
 * shapes give the same answer here.
 */
import { pathToFileURL } from 'node:url';

export async function loadUserModule(path: string): Promise<unknown> {
  const { tsImport } = await import('tsx/esm/api');
  const mod: unknown = await tsImport(pathToFileURL(path).href, import.meta.url);
  if (!mod || typeof mod !== 'object') return undefined;
  const value: unknown = (mod as { default?: unknown }).default;
  if (value && typeof value === 'object' && '__esModule' in value && 'default' in value) {
    return (value as { default?: unknown }).default;
  }
  return value;
}
