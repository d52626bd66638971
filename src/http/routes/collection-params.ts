/** The `{c}` path parameter of collection routes: a collection id or name. */
export interface CollectionParams {
  collection: string;
}
