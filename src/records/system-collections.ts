import { SUPERUSERS_COLLECTION_ID, USERS_COLLECTION_ID } from './collection-ids.js';

/**
 * Inputs for the collections every Galley database starts with, in PocketBase's shapes:
 * `_superusers` (system, no OAuth2, 1-day tokens) and the default `users` collection.
 */

export function superusersInput(): Record<string, unknown> {
  return {
    id: SUPERUSERS_COLLECTION_ID,
    name: '_superusers',
    type: 'auth',
    system: true,
    fields: [],
    listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null,
    authRule: '',
    manageRule: null,
    authToken: { duration: 86400 },
    oauth2: { enabled: false },
    passwordAuth: { enabled: true, identityFields: ['email'] },
  };
}

export function usersInput(): Record<string, unknown> {
  const owner = 'id = @request.auth.id';
  return {
    id: USERS_COLLECTION_ID,
    name: 'users',
    type: 'auth',
    fields: [
      { type: 'text', name: 'name', max: 255 },
      {
        type: 'file', name: 'avatar', maxSelect: 1,
        mimeTypes: ['image/jpeg', 'image/png', 'image/svg+xml', 'image/gif', 'image/webp'],
      },
    ],
    listRule: owner, viewRule: owner, createRule: '', updateRule: owner, deleteRule: owner,
    oauth2: { enabled: false, mappedFields: { id: '', name: 'name', username: '', avatarURL: 'avatar' } },
  };
}
