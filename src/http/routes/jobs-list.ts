/**
 * `GET /api/jobs` (superusers): PocketBase-style pages of jobs, newest first. `filter` and `sort`
 * are the rule language over the job columns (`state = 'dead' && kind ~ 'mail'`, `-runAt`);
 * `state`, `kind` and `queue` are exact-match shortcuts.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { JOB_STATES } from '../../jobs/job-types.js';
import type { JobState } from '../../jobs/job-types.js';
import { parseListQuery } from '../list-query.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function jobsListRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/jobs',
    preHandler: requireSuperuser,
    handler: async function listJobs(request) {
      const query = parseListQuery(request.query);
      const q = (request.query ?? {}) as Record<string, unknown>;
      const state = stringParam(q.state);
      if (state !== undefined && !JOB_STATES.includes(state as JobState)) {
        throw apiError('invalid_query_param', `Invalid query parameter "state".`, {
          state: { code: 'validation_invalid_value', message: `Must be one of ${JOB_STATES.join(', ')}.` },
        });
      }
      const kind = stringParam(q.kind);
      const queue = stringParam(q.queue);
      return app.jobs.list({
        page: query.page,
        perPage: query.perPage,
        filter: query.filter,
        sort: query.sort,
        ...(state !== undefined ? { state: state as JobState } : {}),
        ...(kind !== undefined ? { kind } : {}),
        ...(queue !== undefined ? { queue } : {}),
      });
    },
  };
}

/** The last value of a query param; empty means absent. */
function stringParam(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof v === 'string' && v !== '' ? v : undefined;
}
