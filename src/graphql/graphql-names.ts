/**
 * How collection and field names become GraphQL names. Collection and field names are `\w+`, which
 * GraphQL mostly accepts; the exceptions and the collisions are resolved here, deterministically
 * (collections in creation order, fields in schema order), so a schema change never renames
 * something it did not touch:
 *
 * - a name starting with a digit gets a leading `_` (`2fa` -> `_2fa`); one starting with `__`
 *   (reserved by GraphQL) gets a leading `x` (`__x` -> `x__x`);
 * - a collection's object type is its name in PascalCase, leading `_` kept (`post_titles` ->
 *   `PostTitles`, `_superusers` -> `_Superusers`);
 * - when a name (or one derived from it, like `PostsList`) is taken, `2`, `3`... is appended.
 */

const RESERVED_TYPES = ['Query', 'Mutation', 'Subscription', 'String', 'Int', 'Float', 'Boolean', 'ID', 'JSON', 'DateTime', 'GeoPoint', 'GeoPointInput', 'RecordAction'];

/** A valid GraphQL name for a `\w+` name. */
export function graphqlName(name: string): string {
  const clean = name.replace(/\W/g, '_');
  if (clean === '') return '_';
  if (/^\d/.test(clean)) return `_${clean}`;
  if (clean.startsWith('__')) return `x${clean}`;
  return clean;
}

export function pascalCase(name: string): string {
  const base = graphqlName(name);
  const lead = /^_+/.exec(base)?.[0] ?? '';
  const rest = base.slice(lead.length).split('_').filter((p) => p !== '').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');
  const out = lead + rest;
  return /^[_A-Za-z]/.test(out) && !out.startsWith('__') ? out : graphqlName(out);
}

/** Hands out names unique within one namespace (types, root fields or one type's fields). */
export class NameRegistry {
  readonly #used = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.#used.add(r);
  }

  static forTypes(): NameRegistry {
    return new NameRegistry(RESERVED_TYPES);
  }

  has(name: string): boolean {
    return this.#used.has(name);
  }

  /**
   * The first of `base`, `base2`, `base3`... for which every `derive(candidate)` name is free; all of
   * them are then taken.
   */
  claim(base: string, derive: (candidate: string) => string[] = (c) => [c]): string {
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}${n}`;
      const names = derive(candidate);
      if (names.every((x) => !this.#used.has(x)) && new Set(names).size === names.length) {
        for (const x of names) this.#used.add(x);
        return candidate;
      }
    }
  }
}
