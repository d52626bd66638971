import type { ErrorData, FieldError } from '../core/errors.js';

/**
 * Collects per-field errors under dotted paths (`fields.0.name`) and builds PocketBase's nested
 * `data` shape (`{fields: {0: {name: {...}}}}`). The first error at a path wins, as in PocketBase
 * where each key reports one failure.
 */
export class ErrorTree {
  #data: ErrorData = {};
  #count = 0;

  add(path: ReadonlyArray<string | number>, error: FieldError): void {
    if (path.length === 0) return;
    let node: ErrorData = this.#data;
    for (let i = 0; i < path.length - 1; i++) {
      const key = String(path[i]);
      const next = node[key];
      if (next !== undefined && isLeaf(next)) return; // a parent already failed
      if (next === undefined) node[key] = {};
      node = node[key] as ErrorData;
    }
    const last = String(path[path.length - 1]);
    if (node[last] !== undefined) return;
    node[last] = error;
    this.#count++;
  }

  get empty(): boolean {
    return this.#count === 0;
  }

  toData(): ErrorData {
    return this.#data;
  }
}

function isLeaf(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}
