/** All collections with their type, field count and rules at a glance. */
import type { JSX } from 'preact';
import { Empty, TableHead } from '../components/ui.js';
import { href } from '../router.js';
import { useCollections } from '../state.js';

export function CollectionsPage(): JSX.Element {
  const { collections, hideControls } = useCollections();
  return (
    <>
      <div class="page-head">
        <h1>Collections</h1>
        <span class="spacer" />
        {hideControls ? null : (
          <a class="button primary" href={href('collections', 'new')}>
            + New collection
          </a>
        )}
      </div>
      {collections.length === 0 ? (
        <Empty>No collections yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <TableHead columns={['Name', 'Type', 'Fields', 'List rule', 'Actions']} />
            <tbody>
              {collections.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={href('collections', c.name)}>{c.name}</a> {c.system ? <span class="badge">system</span> : null}
                  </td>
                  <td>{c.type}</td>
                  <td>{c.fields.length}</td>
                  <td>
                    <code>{c.listRule === null ? 'superusers only' : c.listRule === '' ? 'everyone' : c.listRule}</code>
                  </td>
                  <td>
                    {hideControls ? null : <a href={href('collections', c.name, 'edit')}>Edit schema</a>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
