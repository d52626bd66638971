import { crc32 } from './crc32.js';

/** PocketBase's default field id: the type followed by the crc32 of the name (`text3208210256`). */
export function defaultFieldId(type: string, name: string): string {
  return `${type}${crc32(name)}`;
}

/** PocketBase's default collection id: `pbc_` + crc32(type + name) (`_superusers` -> `pbc_3142635823`). */
export function defaultCollectionId(type: string, name: string): string {
  return `pbc_${crc32(type + name)}`;
}

/** The ids PocketBase gives its stock collections, kept so SDK code and migrations that name them work. */
export const SUPERUSERS_COLLECTION_ID = 'pbc_3142635823';
export const USERS_COLLECTION_ID = '_pb_users_auth_';
