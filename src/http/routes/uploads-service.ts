/**
 * The upload services of an App, shared by the upload routes: presigned uploads (state in the
 * database) and resumable tus uploads (partial files under `<dataDir>/uploads/tus`). Creating them
 * also defines the `uploads.sweep` job and schedules it every 15 minutes: expired presigned upload
 * ids and their objects, and this node's expired partial tus uploads, are deleted.
 */
import { join } from 'node:path';
import type { App } from '../../app/app.js';
import { PresignedUploads } from '../../files/uploads/presigned-uploads.js';
import { ResumableUploads } from '../../files/uploads/resumable-uploads.js';

export const TUS_PATH = '/api/uploads/tus';

interface UploadServices {
  presigned: PresignedUploads;
  resumable: ResumableUploads;
}

const services = new WeakMap<App, UploadServices>();

function uploadServices(app: App): UploadServices {
  let s = services.get(app);
  if (!s) {
    const deps = { db: app.db, collections: app.collections, records: app.records };
    const logger = app.logger.child({ module: 'uploads' });
    const created: UploadServices = {
      presigned: new PresignedUploads({ ...deps, files: app.files }),
      resumable: new ResumableUploads({
        ...deps,
        directory: join(app.dataDir, 'uploads', 'tus'),
        path: TUS_PATH,
        onError: (err) => logger.error({ err }, 'resumable upload failed'),
      }),
    };
    s = created;
    services.set(app, s);
    if (!app.jobs.defined('uploads.sweep')) {
      app.jobs.define('uploads.sweep', async () => ({ presigned: await created.presigned.sweep(), resumable: await created.resumable.sweep() }));
      app.cron.add('uploads.sweep', '*/15 * * * *', 'uploads.sweep');
    }
  }
  return s;
}

export function presignedUploads(app: App): PresignedUploads {
  return uploadServices(app).presigned;
}

export function resumableUploads(app: App): ResumableUploads {
  return uploadServices(app).resumable;
}
