/**
 * The app file (`galley.config.ts` or `--app FILE`, docs/hooks.md): user TypeScript whose default
 * export, `defineApp((app) => { ... })`, registers hooks, custom routes and job kinds.
 *
 * `bindAppFile` runs that function against a staging view of the App: hook bindings, routes,
 * serve/terminate handlers and job handlers are collected first and swapped in only when the
 * function returned without throwing, so a reload (`--dev`) replaces the previous version at once
 * and a broken file leaves the previous version running.
 */
import type { Hook, HookFn, HookHandler } from '../core/hook.js';
import type { TaggedHook } from '../core/hook.js';
import type { AppHooks } from '../hooks/app-hooks.js';
import type { JobDefinitionOptions, JobHandler } from '../jobs/job-types.js';
import { CustomRoutes } from '../routes/custom-routes.js';
import type { App } from './app.js';

export type AppFileInit = (app: App) => void | Promise<void>;

/** Typed identity: `export default defineApp((app) => { ... })`. */
export function defineApp(init: AppFileInit): AppFileInit {
  return init;
}

interface StagedBinding {
  hook: Hook<any>;
  handler: HookHandler<any>;
  tags: string[];
}

/** What one loaded version of the app file bound, so the next version can replace it. */
export class AppFileBindings {
  readonly #app: App;
  #hookIds: Array<{ hook: Hook<any>; id: string }> = [];
  #routeIds = new Set<string>();
  readonly #jobHandlers = new Map<string, JobHandler<any>>();
  #version = 0;

  constructor(app: App) {
    this.#app = app;
  }

  /** Runs `init` against a staging view; on success swaps its bindings in for the previous ones. */
  async apply(init: AppFileInit): Promise<void> {
    const app = this.#app;
    const version = ++this.#version;
    const bindings: StagedBinding[] = [];
    const routes = new CustomRoutes();
    const jobs = new Map<string, { handler: JobHandler<any>; options: JobDefinitionOptions }>();
    let n = 0;
    const stageHook = (hook: Hook<any>, tags: string[]) => {
      const bind = (h: HookHandler<any>): string => {
        const id = h.id ?? `appfile:${version}:${++n}`;
        bindings.push({ hook, handler: { ...h, id }, tags });
        return id;
      };
      return {
        bind,
        bindFunc: (fn: HookFn<any>) => bind({ fn }),
        unbind: (...ids: string[]) => {
          for (let i = bindings.length - 1; i >= 0; i--) if (ids.includes(String(bindings[i]!.handler.id))) bindings.splice(i, 1);
        },
      };
    };
    const hooks = new Proxy(app.hooks, {
      get(target, prop) {
        const hook = Reflect.get(target, prop) as TaggedHook<any>;
        if (typeof prop !== 'string' || typeof hook?.bind !== 'function') return hook;
        return { ...stageHook(hook, []), on: (...tags: string[]) => stageHook(hook, tags) };
      },
    }) as AppHooks;
    const jobsView = new Proxy(app.jobs, {
      get(target, prop) {
        if (prop === 'define') {
          return (kind: string, handler: JobHandler<any>, options: JobDefinitionOptions = {}) => {
            if (jobs.has(kind)) throw new Error(`job kind "${kind}" is already defined`);
            jobs.set(kind, { handler, options });
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const view = new Proxy(app, {
      get(target, prop) {
        if (prop === 'hooks') return hooks;
        if (prop === 'routes') return routes;
        if (prop === 'jobs') return jobsView;
        if (prop === 'onServe' || prop === 'onTerminate') return stageHook(Reflect.get(target, prop) as Hook<any>, []);
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });

    await init(view);

    // A job kind defined by a built-in part (not by an earlier version of this file) cannot be taken over.
    for (const kind of jobs.keys()) {
      if (!this.#jobHandlers.has(kind) && app.jobs.defined(kind)) throw new Error(`job kind "${kind}" is already defined`);
    }
    // Swap: nothing below awaits, so no request sees a half-applied version.
    for (const { hook, id } of this.#hookIds) hook.unbind(id);
    this.#hookIds = [];
    for (const b of bindings) {
      const target = b.tags.length > 0 ? (b.hook as TaggedHook<any>).on(...b.tags) : b.hook;
      this.#hookIds.push({ hook: b.hook, id: target.bind(b.handler) });
    }
    const kept = app.routes.list().filter((r) => !this.#routeIds.has(r.id));
    const added = routes.list();
    this.#routeIds = new Set(added.map((r) => r.id));
    app.routes.replaceAll([...kept.filter((r) => !added.some((a) => a.method === r.method && a.path === r.path)), ...added]);
    for (const kind of this.#jobHandlers.keys()) if (!jobs.has(kind)) this.#jobHandlers.delete(kind);
    for (const [kind, { handler, options }] of jobs) {
      const first = !this.#jobHandlers.has(kind);
      this.#jobHandlers.set(kind, handler);
      if (first) {
        app.jobs.define(kind, (ctx) => {
          const current = this.#jobHandlers.get(kind);
          if (!current) throw new Error(`job kind "${kind}" is no longer defined by the app file`);
          return current(ctx);
        }, options);
      }
    }
  }
}
