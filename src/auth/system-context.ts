/** The record engine context of writes auth makes on its own behalf: a superuser's, no request. */
import type { RecordContext } from '../records/record-service.js';

export const SYSTEM_CONTEXT: RecordContext = {
  auth: null,
  isSuperuser: true,
  request: { auth: null, method: 'POST', headers: {}, query: {}, body: {}, context: 'default' },
};
