/** The one PocketBase SDK client of the dashboard, and helpers to read its errors. */
import PocketBase, { ClientResponseError, LocalAuthStore } from 'pocketbase';

export const pb = new PocketBase(window.location.origin, new LocalAuthStore('galley_dashboard_auth'));
// Screens load several lists at once; the SDK would cancel all but the last of a kind.
pb.autoCancellation(false);

/** The message to show for a failed call: PocketBase's `message`, else the error's own text. */
export function errorMessage(err: unknown): string {
  if (err instanceof ClientResponseError) {
    if (err.status === 0) return 'The server could not be reached.';
    return err.response?.message || err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export type FieldErrors = Record<string, string>;

/** Per-field messages of a 400, flattened to dotted paths (`fields.2.name`). */
export function fieldErrors(err: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!(err instanceof ClientResponseError)) return out;
  const walk = (data: unknown, path: string): void => {
    if (typeof data !== 'object' || data === null) return;
    const d = data as Record<string, unknown>;
    if (typeof d.code === 'string' && typeof d.message === 'string') {
      out[path] = d.message;
      return;
    }
    for (const [k, v] of Object.entries(d)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(err.response?.data, '');
  return out;
}

/** Whether a failed call means "this API does not exist on this server (yet)". */
export function isMissingApi(err: unknown): boolean {
  return err instanceof ClientResponseError && (err.status === 404 || err.status === 405);
}

export { ClientResponseError };

/** The rows of a list answer: PocketBase's paged `{items}`, or a bare array. */
export function listItems<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  const items = (data as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? (items as T[]) : [];
}

/** Saves `blob` as a file through a temporary link (the browser's download). */
export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Downloads the file of a completed export job (`GET /api/jobs/{id}/file`, needs the token). */
export async function downloadJobFile(jobId: string, name: string): Promise<void> {
  const res = await fetch(pb.buildURL(`/api/jobs/${encodeURIComponent(jobId)}/file`), { headers: { Authorization: pb.authStore.token } });
  if (!res.ok) throw new Error(`The export file could not be downloaded (${res.status}).`);
  saveBlob(await res.blob(), name);
}
