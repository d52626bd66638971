/** The collections list shared by the sidebar and every screen (reloaded after a schema change). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Collection } from '../../src/core/schema.js';

export interface CollectionsState {
  collections: Collection[];
  reload: () => Promise<void>;
  /** settings.meta.hideControls: the schema is read-only here (no create/edit buttons). */
  hideControls: boolean;
}

export const CollectionsContext = createContext<CollectionsState>({ collections: [], reload: async () => {}, hideControls: false });

export const useCollections = (): CollectionsState => useContext(CollectionsContext);

export function findCollection(list: readonly Collection[], nameOrId: string): Collection | undefined {
  return list.find((c) => c.id === nameOrId || c.name === nameOrId);
}
