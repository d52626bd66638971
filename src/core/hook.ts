/**
 * Typed hook chains in PocketBase's style: handlers run in priority order and each decides whether
 * the rest of the chain (ending in the default action) runs by awaiting `e.next()`. A handler that
 * throws stops the chain; the error travels to the caller, which rolls back its transaction.
 */

export interface HookEvent {
  /** Runs the rest of the chain; must be awaited at most once. */
  next(): Promise<void>;
}

export type HookFn<E> = (e: E & HookEvent) => Promise<void> | void;

export interface HookHandler<E> {
  /** Unique per hook; binding the same id again replaces the handler. Generated when absent. */
  id?: string;
  /** Lower runs first; equal priorities keep binding order. */
  priority?: number;
  fn: HookFn<E>;
}

interface BoundHandler<E> {
  id: string;
  priority: number;
  seq: number;
  fn: HookFn<E>;
}

let nextSeq = 0;

export class Hook<E extends object> {
  #handlers: BoundHandler<E>[] = [];

  /** Binds a handler and returns its id (for `unbind`). */
  bind(handler: HookHandler<E>): string {
    const seq = nextSeq++;
    const id = handler.id ?? `__h${seq}`;
    this.#handlers = this.#handlers.filter((h) => h.id !== id);
    this.#handlers.push({ id, priority: handler.priority ?? 0, seq, fn: handler.fn });
    this.#handlers.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    return id;
  }

  bindFunc(fn: HookFn<E>): string {
    return this.bind({ fn });
  }

  unbind(...ids: string[]): void {
    this.#handlers = this.#handlers.filter((h) => !ids.includes(h.id));
  }

  unbindAll(): void {
    this.#handlers = [];
  }

  get length(): number {
    return this.#handlers.length;
  }

  /**
   * Runs the chain over `event`, then `finalize` (the default action) if every handler called next.
   * With no handlers this is just `finalize(event)`, so unhooked paths pay nothing.
   */
  async trigger(event: E, finalize?: (e: E) => Promise<void> | void): Promise<void> {
    const handlers = this.#handlers;
    if (handlers.length === 0) {
      if (finalize) await finalize(event);
      return;
    }
    const run = async (i: number): Promise<void> => {
      if (i === handlers.length) {
        if (finalize) await finalize(event);
        return;
      }
      let called = false;
      const e = event as E & HookEvent;
      const prevNext = (e as Partial<HookEvent>).next;
      e.next = () => {
        if (called) return Promise.resolve();
        called = true;
        return run(i + 1);
      };
      try {
        await handlers[i]!.fn(e);
      } finally {
        e.next = prevNext as HookEvent['next'];
      }
    };
    await run(0);
  }
}

/**
 * A hook whose handlers can be limited to tags (collection names or ids). `hook.on('posts')` returns
 * a view that binds handlers only run for events tagged `posts`.
 */
export class TaggedHook<E extends object> extends Hook<E> {
  readonly #tagOf: (e: E) => readonly string[];

  constructor(tagOf: (e: E) => readonly string[]) {
    super();
    this.#tagOf = tagOf;
  }

  on(...tags: string[]): Pick<Hook<E>, 'bind' | 'bindFunc' | 'unbind'> {
    if (tags.length === 0) return this;
    const wrap = (handler: HookHandler<E>): HookHandler<E> => ({
      ...handler,
      fn: (e) => {
        const own = this.#tagOf(e);
        return tags.some((t) => own.includes(t)) ? handler.fn(e) : e.next();
      },
    });
    return {
      bind: (h) => this.bind(wrap(h)),
      bindFunc: (fn) => this.bind(wrap({ fn })),
      unbind: (...ids) => this.unbind(...ids),
    };
  }
}
