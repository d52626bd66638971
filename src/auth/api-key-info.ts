/**
 * An API key as `GET /api/apikeys` lists it (never the key itself). In a file of its own that
 * imports nothing, so the dashboard's browser build can import the type without pulling in
 * `api-keys.ts` and its node:crypto.
 */
export interface ApiKeyInfo {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it in a list (`gk_Ab12Cd`). */
  prefix: string;
  collectionId: string;
  recordId: string;
  scopes: string[];
  /** ISO datetime, '' = never. */
  expires: string;
  created: string;
  /** ISO datetime of the last request made with it (to the minute), '' = never used. */
  lastUsed: string;
  /** ISO datetime, '' = active. */
  revoked: string;
}
