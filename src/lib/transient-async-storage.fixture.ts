/** Prints whether async_hooks are on before, during and after TransientAsyncStorage runs (see the test). */
import { TransientAsyncStorage } from './transient-async-storage.js';

/** Init hooks or V8 promise hooks installed; null where Node does not expose it. */
function asyncHooksOn(): boolean | null {
  const original = process.emitWarning;
  try {
    process.emitWarning = () => {}; // process.binding's deprecation warning
    const binding = (process as unknown as { binding(name: string): { async_hook_fields: Uint32Array; getPromiseHooks(): unknown[] } }).binding('async_wrap');
    return (binding.async_hook_fields[0] ?? 0) > 0 || binding.getPromiseHooks().some((hook) => hook !== undefined);
  } catch {
    return null;
  } finally {
    process.emitWarning = original;
  }
}

const storage = new TransientAsyncStorage<number>();
const before = asyncHooksOn();
let during: boolean | null = null;
await Promise.all([1, 2].map((n) => storage.run(n, async () => {
  await null;
  during = asyncHooksOn();
})));
const after = asyncHooksOn();
await storage.run(3, async () => Promise.reject(new Error('boom'))).catch(() => {});
process.stdout.write(JSON.stringify({ before, during, after, afterFailure: asyncHooksOn() }));
