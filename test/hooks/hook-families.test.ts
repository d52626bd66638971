/**
 * The hook families beside the record ones, through the HTTP API on SQLite and PostgreSQL: which
 * hooks fire in which order (`expectedEvents`) for collection changes, auth routes, mail, batch,
 * realtime and file downloads; a hook error answers in the registry's shape and rolls back; a
 * guarded increment reaches realtime subscribers.
 */
import assert from 'node:assert/strict';
import { apiError, fieldError, validationError } from '../../src/core/errors.js';
import type { AppHookName } from '../../src/hooks/app-hooks.js';
import { eventually } from '../../src/testing/eventually.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { Inbox, sdk } from '../realtime/realtime-fixture.js';

/** Binds a recorder to each hook (tagged when `tags` are given) and returns what fired, in order. */
function record(t: TestApp, names: AppHookName[], tags: string[] = [], events: string[] = []): string[] {
  for (const name of names) {
    const hook = tags.length > 0 ? t.app.hooks[name].on(...tags) : t.app.hooks[name];
    hook.bindFunc((e: { next(): Promise<void> }) => { events.push(name); return e.next(); });
  }
  return events;
}

async function expectEvents(
  t: TestApp,
  events: string[],
  name: string,
  request: { method: string; path: string; body?: unknown; token?: string | null },
  expectedStatus: number,
  expectedEvents: string[],
): Promise<any> {
  events.length = 0;
  const res = await t.call(request.method, request.path, {
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.token === undefined ? {} : { token: request.token }),
  });
  assert.equal(res.status, expectedStatus, `${name}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(events, expectedEvents, name);
  return res.body;
}

async function countJobs(t: TestApp, kind: string): Promise<number> {
  const row = await t.app.db.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM "_jobs" WHERE "kind" = ?`, [kind]);
  return Number(row?.n);
}

eachAppDialect('collection lifecycle hooks fire in order; an error rolls the schema change back', async (t) => {
  const events = record(t, [
    'onCollectionValidate', 'onCollectionCreate', 'onCollectionUpdate', 'onCollectionDelete',
    'onCollectionAfterCreateSuccess', 'onCollectionAfterUpdateSuccess', 'onCollectionAfterDeleteSuccess',
    'onCollectionAfterCreateError', 'onCollectionAfterUpdateError', 'onCollectionAfterDeleteError',
  ], ['things']);
  const call = (name: string, method: string, path: string, body: unknown, status: number, expected: string[]) =>
    expectEvents(t, events, name, { method, path, body }, status, expected);

  await call('create', 'POST', '/api/collections', { name: 'things', fields: [{ name: 'title', type: 'text' }] }, 200,
    ['onCollectionValidate', 'onCollectionCreate', 'onCollectionAfterCreateSuccess']);
  await call('another collection is not tagged things', 'POST', '/api/collections', { name: 'others' }, 200, []);
  await call('update', 'PATCH', '/api/collections/things', { fields: [{ name: 'title', type: 'text' }, { name: 'qty', type: 'number' }] }, 200,
    ['onCollectionValidate', 'onCollectionUpdate', 'onCollectionAfterUpdateSuccess']);

  // A change made after next() is thrown away with the DDL: the column and the _collections row stay as they were.
  const h = t.app.hooks.onCollectionUpdate.on('things').bindFunc(async (e) => {
    assert.equal(e.original?.fields.some((f) => f.name === 'extra'), false);
    await e.next();
    throw apiError('conflict', 'Schema frozen.');
  });
  const failed = await call('hook error rolls back', 'PATCH', '/api/collections/things', { fields: [{ name: 'title', type: 'text' }, { name: 'qty', type: 'number' }, { name: 'extra', type: 'text' }] }, 409,
    ['onCollectionValidate', 'onCollectionUpdate', 'onCollectionAfterUpdateError']);
  assert.deepEqual(failed, { status: 409, message: 'Schema frozen.', data: {} });
  t.app.hooks.onCollectionUpdate.unbind(h);
  const view = await t.call('GET', '/api/collections/things');
  assert.deepEqual(view.body.fields.map((f: { name: string }) => f.name).filter((n: string) => n !== 'id'), ['title', 'qty']);
  await assert.rejects(t.app.db.all(`SELECT "extra" FROM "things"`));

  const v = t.app.hooks.onCollectionValidate.on('things').bindFunc((e) => {
    if (e.collection.fields.some((f) => f.name === 'forbidden')) throw validationError({ fields: fieldError('validation_invalid_value', undefined, 'No.') });
    return e.next();
  });
  const invalid = await call('validate refuses', 'PATCH', '/api/collections/things', { fields: [{ name: 'forbidden', type: 'text' }] }, 400,
    ['onCollectionValidate', 'onCollectionAfterUpdateError']);
  assert.equal(invalid.data.fields.message, 'No.');
  t.app.hooks.onCollectionValidate.unbind(v);

  await call('delete', 'DELETE', '/api/collections/things', undefined, 204, ['onCollectionDelete', 'onCollectionAfterDeleteSuccess']);
  assert.equal(t.app.collections.find('things'), undefined);
});

eachAppDialect('auth hooks: per-route chains, onRecordAuthRequest adds meta or refuses, mail hooks change or drop mail', async (t) => {
  const created = await t.call('POST', '/api/collections/users/records', { body: { email: 'ann@example.com', password: 'password123', passwordConfirm: 'password123' } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const events = record(t, [
    'onRecordAuthRequest', 'onRecordAuthWithPasswordRequest', 'onRecordAuthRefreshRequest',
    'onRecordRequestPasswordResetRequest', 'onRecordRequestVerificationRequest', 'onMailerRecordPasswordResetSend',
    'onMailerRecordVerificationSend',
  ], ['users']);
  const mailEvents = record(t, ['onMailerSend']);
  const login = { method: 'POST', path: '/api/collections/users/auth-with-password', body: { identity: 'ann@example.com', password: 'password123' }, token: null };

  const methods: string[] = [];
  const meta = t.app.hooks.onRecordAuthRequest.bindFunc(async (e) => {
    methods.push(e.authMethod);
    e.meta = { ...e.meta, plan: 'pro' };
    await e.next();
  });
  const ok = await expectEvents(t, events, 'password login', login, 200, ['onRecordAuthWithPasswordRequest', 'onRecordAuthRequest']);
  assert.equal(ok.record.email, 'ann@example.com');
  assert.deepEqual(ok.meta, { plan: 'pro' });
  await expectEvents(t, events, 'wrong password: no auth answer', { ...login, body: { identity: 'ann@example.com', password: 'nope' } }, 400,
    ['onRecordAuthWithPasswordRequest']);
  await expectEvents(t, events, 'refresh', { method: 'POST', path: '/api/collections/users/auth-refresh', token: ok.token }, 200,
    ['onRecordAuthRefreshRequest', 'onRecordAuthRequest']);
  await expectEvents(t, events, 'superuser login is not tagged users', { method: 'POST', path: '/api/collections/_superusers/auth-with-password', body: { identity: 'root@example.com', password: 'correct horse battery' }, token: null }, 200, []);
  assert.deepEqual(methods, ['password', 'refresh', 'password']);
  t.app.hooks.onRecordAuthRequest.unbind(meta);

  // A handler refuses the login: the registry's shape, no token.
  const ban = t.app.hooks.onRecordAuthRequest.on('users').bindFunc(() => { throw apiError('forbidden', 'Account suspended.'); });
  const refused = await expectEvents(t, events, 'refused', login, 403, ['onRecordAuthWithPasswordRequest', 'onRecordAuthRequest']);
  assert.deepEqual(refused, { status: 403, message: 'Account suspended.', data: {} });
  t.app.hooks.onRecordAuthRequest.unbind(ban);

  // The route hook can change the body before the default action.
  const rewrite = t.app.hooks.onRecordAuthWithPasswordRequest.bindFunc((e) => {
    e.body.identity = String(e.body.identity).toLowerCase();
    return e.next();
  });
  await expectEvents(t, events, 'body changed before next()', { ...login, body: { identity: 'ANN@example.com', password: 'password123' } }, 200,
    ['onRecordAuthWithPasswordRequest', 'onRecordAuthRequest']);
  t.app.hooks.onRecordAuthWithPasswordRequest.unbind(rewrite);

  // Mail: the flow's hook, then onMailerSend, then the enqueue (the lookup and the mail come after the 204).
  const subject = t.app.hooks.onMailerSend.bindFunc((e) => {
    e.message.subject = `[hooked] ${e.message.subject}`;
    return e.next();
  });
  const flowRecords: unknown[] = [];
  const flow = t.app.hooks.onMailerRecordPasswordResetSend.bindFunc((e) => {
    flowRecords.push([e.record.id, typeof e.meta.token]);
    return e.next();
  });
  mailEvents.length = 0;
  const jobsBefore = await countJobs(t, 'mail.send');
  events.length = 0;
  const reset = await t.call('POST', '/api/collections/users/request-password-reset', { body: { email: 'ann@example.com' }, token: null });
  assert.equal(reset.status, 204);
  // The mail step runs in the background and may finish before or after the answer arrives.
  await eventually(async () => (await countJobs(t, 'mail.send')) === jobsBefore + 1, 'the reset mail is queued', { timeoutMs: 15_000 });
  assert.deepEqual(events, ['onRecordRequestPasswordResetRequest', 'onMailerRecordPasswordResetSend']);
  assert.deepEqual(mailEvents, ['onMailerSend']);
  assert.deepEqual(flowRecords, [[created.body.id, 'string']]);
  const job = await t.app.db.get<{ payload: unknown }>(`SELECT "payload" FROM "_jobs" WHERE "kind" = 'mail.send' ORDER BY "runAt" DESC LIMIT 1`);
  const payload = (typeof job?.payload === 'string' ? JSON.parse(job.payload) : job?.payload) as { subject: string };
  assert.match(payload.subject, /^\[hooked\] /);
  t.app.hooks.onMailerSend.unbind(subject);
  t.app.hooks.onMailerRecordPasswordResetSend.unbind(flow);

  // Not calling next() drops the message.
  const drop = t.app.hooks.onMailerSend.bindFunc(() => {});
  const sent = await t.app.mail.send({ to: 'x@example.com', subject: 'dropped', text: 'x' });
  assert.equal(sent.jobId, '');
  assert.equal(await countJobs(t, 'mail.send'), jobsBefore + 1);
  t.app.hooks.onMailerSend.unbind(drop);

  // OTP: the request hook, the OTP mail hook (which sees the code), then a login with it.
  assert.equal((await t.call('PATCH', '/api/collections/users', { body: { otp: { enabled: true } } })).status, 200);
  const otpEvents = record(t, ['onRecordRequestOTPRequest', 'onMailerRecordOTPSend', 'onRecordAuthWithOTPRequest', 'onRecordAuthRequest'], ['users']);
  const codes: Array<{ otpId: unknown; otp: unknown }> = [];
  const capture = t.app.hooks.onMailerRecordOTPSend.bindFunc((e) => {
    codes.push({ otpId: e.meta.otpId, otp: e.meta.otp });
    return e.next();
  });
  const otpJobsBefore = await countJobs(t, 'mail.send');
  const requested = await t.call('POST', '/api/collections/users/request-otp', { body: { email: 'ann@example.com' }, token: null });
  assert.equal(requested.status, 200, JSON.stringify(requested.body));
  // The hook runs inside the OTP's transaction: wait for its mail job, which commits with the OTP.
  await eventually(async () => (await countJobs(t, 'mail.send')) === otpJobsBefore + 1, 'the OTP mail is queued', { timeoutMs: 15_000 });
  assert.equal(codes.length, 1);
  assert.equal(codes[0]?.otpId, requested.body.otpId);
  const otpLogin = await t.call('POST', '/api/collections/users/auth-with-otp', { body: { otpId: requested.body.otpId, password: codes[0]?.otp }, token: null });
  assert.equal(otpLogin.status, 200, JSON.stringify(otpLogin.body));
  assert.deepEqual(otpEvents, ['onRecordRequestOTPRequest', 'onMailerRecordOTPSend', 'onRecordAuthWithOTPRequest', 'onRecordAuthRequest']);
  t.app.hooks.onMailerRecordOTPSend.unbind(capture);
});

// Every auth route hook, by the route it runs on: the route's own action never runs in these
// cases, so the body and the caller do not matter.
const AUTH_ROUTE_HOOKS = [
  ['onRecordAuthWithPasswordRequest', 'auth-with-password'],
  ['onRecordAuthWithOTPRequest', 'auth-with-otp'],
  ['onRecordAuthWithOAuth2Request', 'auth-with-oauth2'],
  ['onRecordAuthRefreshRequest', 'auth-refresh'],
  ['onRecordRequestOTPRequest', 'request-otp'],
  ['onRecordRequestPasswordResetRequest', 'request-password-reset'],
  ['onRecordConfirmPasswordResetRequest', 'confirm-password-reset'],
  ['onRecordRequestVerificationRequest', 'request-verification'],
  ['onRecordConfirmVerificationRequest', 'confirm-verification'],
  ['onRecordRequestEmailChangeRequest', 'request-email-change'],
  ['onRecordConfirmEmailChangeRequest', 'confirm-email-change'],
] as const;

/** What an auth hook handler does instead of calling `next()`, and the answer that gives. */
const SKIPS: Array<{ name: string; fn: (e: { result?: unknown }, label: string) => void; expected: (label: string) => { status: number; body: unknown } }> = [
  // Regression: skipping next() without a result answered 200 with an empty body, not the documented 204.
  { name: 'no result', fn: () => {}, expected: () => ({ status: 204, body: null }) },
  { name: 'e.result set', fn: (e, label) => { e.result = { hooked: label }; }, expected: (label) => ({ status: 200, body: { hooked: label } }) },
  {
    name: 'throws',
    fn: () => { throw apiError('forbidden', 'Refused by a hook.'); },
    expected: () => ({ status: 403, body: { status: 403, message: 'Refused by a hook.', data: {} } }),
  },
];

eachAppDialect('auth hooks that skip next(): e.result is the answer, 204 when unset; a throw answers in the registry shape', async (t) => {
  for (const [hook, action] of AUTH_ROUTE_HOOKS) {
    for (const skip of SKIPS) {
      const id = t.app.hooks[hook].on('users').bindFunc((e) => skip.fn(e, hook));
      const res = await t.call('POST', `/api/collections/users/${action}`, { body: {}, token: null });
      t.app.hooks[hook].unbind(id);
      assert.deepEqual({ status: res.status, body: res.body }, skip.expected(hook), `${hook}: ${skip.name}`);
    }
  }

  // onRecordAuthRequest answers for every login flow, with or without a route hook around it.
  const created = await t.call('POST', '/api/collections/users/records', { body: { email: 'bea@example.com', password: 'password123', passwordConfirm: 'password123' } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const login = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: 'bea@example.com', password: 'password123' }, token: null });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const passThrough = t.app.hooks.onRecordAuthWithPasswordRequest.on('users').bindFunc((e) => e.next());
  const flows = [
    { name: 'password, inside a route hook', path: '/api/collections/users/auth-with-password', body: { identity: 'bea@example.com', password: 'password123' }, token: null },
    { name: 'refresh', path: '/api/collections/users/auth-refresh', body: {}, token: login.body.token as string },
    { name: 'impersonate, no route hook', path: `/api/collections/users/impersonate/${created.body.id}`, body: {}, token: t.token },
  ];
  for (const flow of flows) {
    for (const skip of SKIPS) {
      const id = t.app.hooks.onRecordAuthRequest.on('users').bindFunc((e) => skip.fn(e, flow.name));
      const res = await t.call('POST', flow.path, { body: flow.body, token: flow.token });
      t.app.hooks.onRecordAuthRequest.unbind(id);
      assert.deepEqual({ status: res.status, body: res.body }, skip.expected(flow.name), `onRecordAuthRequest, ${flow.name}: ${skip.name}`);
    }
  }
  t.app.hooks.onRecordAuthWithPasswordRequest.unbind(passThrough);
});

eachAppDialect('batch, realtime and file download hooks; a guarded increment reaches realtime subscribers', async (t) => {
  for (const name of ['things', 'secrets']) {
    const res = await t.call('POST', '/api/collections', { body: {
      name,
      fields: [{ name: 'title', type: 'text' }, { name: 'stock', type: 'number' }, { name: 'doc', type: 'file', maxSelect: 1, maxSize: 1000 }],
      listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
    } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const events = record(t, ['onBatchRequest', 'onRealtimeConnectRequest', 'onRealtimeSubscribeRequest']);
  record(t, ['onRecordCreate', 'onRecordAfterCreateSuccess', 'onFileDownloadRequest'], ['things'], events);
  const batch = (titles: string[]) => ({ requests: titles.map((title) => ({ method: 'POST', url: '/api/collections/things/records', body: { title } })) });

  // onBatchRequest runs before the transaction; it may drop items.
  const drop = t.app.hooks.onBatchRequest.bindFunc((e) => {
    e.batch = e.batch.filter((item) => item.body.title !== 'skip');
    return e.next();
  });
  const done = await expectEvents(t, events, 'batch', { method: 'POST', path: '/api/batch', body: batch(['a', 'skip']) }, 200,
    ['onBatchRequest', 'onRecordCreate', 'onRecordAfterCreateSuccess']);
  assert.equal(done.length, 1);
  assert.equal(done[0].body.title, 'a');
  t.app.hooks.onBatchRequest.unbind(drop);
  const refuse = t.app.hooks.onBatchRequest.bindFunc((e) => {
    if (e.batch.length > 2) throw apiError('bad_request', 'At most 2 per batch.');
    return e.next();
  });
  const refused = await expectEvents(t, events, 'batch refused', { method: 'POST', path: '/api/batch', body: batch(['b', 'c', 'd']) }, 400, ['onBatchRequest']);
  assert.deepEqual(refused, { status: 400, message: 'At most 2 per batch.', data: {} });
  t.app.hooks.onBatchRequest.unbind(refuse);
  assert.equal((await t.call('GET', '/api/collections/things/records')).body.totalItems, 1);

  // Realtime: a refused connect is a JSON error; the subscribe hook narrows the subscriptions.
  const deny = t.app.hooks.onRealtimeConnectRequest.bindFunc((e) => {
    if (e.request.headers['x-deny'] === '1') throw apiError('forbidden', 'No realtime for you.');
    return e.next();
  });
  events.length = 0;
  const denied = await t.call('GET', '/api/realtime', { headers: { 'x-deny': '1' }, token: null });
  assert.equal(denied.status, 403);
  assert.deepEqual(denied.body, { status: 403, message: 'No realtime for you.', data: {} });
  assert.deepEqual(events, ['onRealtimeConnectRequest']);
  const narrow = t.app.hooks.onRealtimeSubscribeRequest.bindFunc((e) => {
    e.subscriptions = e.subscriptions.filter((s) => !s.startsWith('secrets'));
    return e.next();
  });
  const pb = sdk(t.url);
  const things = new Inbox();
  const secrets = new Inbox();
  events.length = 0;
  try {
    await pb.collection('things').subscribe('*', things.push);
    await pb.collection('secrets').subscribe('*', secrets.push);
    assert.deepEqual(events.filter((e) => e.startsWith('onRealtime')), ['onRealtimeConnectRequest', 'onRealtimeSubscribeRequest', 'onRealtimeSubscribeRequest']);
    assert.equal((await t.call('POST', '/api/collections/secrets/records', { body: { title: 'hidden' } })).status, 200);
    const item = await t.call('POST', '/api/collections/things/records', { body: { title: 'counter', stock: 5 } });
    assert.equal(item.status, 200);
    await things.waitFor((items) => items.some((i) => i.record.id === item.body.id));

    // A guarded decrement fires no record hooks but publishes the update after the commit.
    events.length = 0;
    const moved = await t.app.transaction((tx) => tx.records.decrement('things', item.body.id, 'stock', 2, { min: 0 }));
    assert.equal(moved, true);
    await things.waitFor((items) => items.some((i) => i.action === 'update' && i.record.id === item.body.id && i.record.stock === 3));
    assert.deepEqual(events, []);
    // A refused decrement (would go below 0) publishes nothing; nor does a rolled-back one.
    assert.equal(await t.app.transaction((tx) => tx.records.decrement('things', item.body.id, 'stock', 10, { min: 0 })), false);
    await assert.rejects(t.app.transaction(async (tx) => {
      await tx.records.decrement('things', item.body.id, 'stock', 1, { min: 0 });
      throw new Error('rollback');
    }));
    await t.app.transaction((tx) => tx.records.increment('things', item.body.id, 'stock', 1));
    await things.waitFor((items) => items.some((i) => i.action === 'update' && i.record.stock === 4));
    assert.deepEqual(things.items.filter((i) => i.action === 'update').map((i) => i.record.stock), [3, 4]);
    assert.deepEqual(secrets.items, []);
  } finally {
    pb.realtime.unsubscribe();
    t.app.hooks.onRealtimeConnectRequest.unbind(deny);
    t.app.hooks.onRealtimeSubscribeRequest.unbind(narrow);
  }

  // File download: the hook sees the record and field, and may refuse.
  const form = new FormData();
  form.set('title', 'with file');
  form.set('doc', new Blob(['hello file'], { type: 'text/plain' }), 'note.txt');
  const up = await fetch(`${t.url}/api/collections/things/records`, { method: 'POST', headers: { authorization: t.token }, body: form });
  const withFile = (await up.json()) as { id: string; doc: string };
  assert.equal(up.status, 200, JSON.stringify(withFile));
  const seen: unknown[] = [];
  const guard = t.app.hooks.onFileDownloadRequest.on('things').bindFunc((e) => {
    seen.push([e.record.id, e.fileField, e.servedName]);
    if (e.request.headers['x-deny'] === '1') throw apiError('forbidden', 'Not today.');
    return e.next();
  });
  const path = `/api/files/things/${withFile.id}/${withFile.doc}`;
  events.length = 0;
  const file = await fetch(t.url + path);
  assert.equal(file.status, 200);
  assert.equal(await file.text(), 'hello file');
  const no = await fetch(t.url + path, { headers: { 'x-deny': '1' } });
  assert.equal(no.status, 403);
  assert.deepEqual(await no.json(), { status: 403, message: 'Not today.', data: {} });
  assert.deepEqual(events, ['onFileDownloadRequest', 'onFileDownloadRequest']);
  assert.deepEqual(seen, [[withFile.id, 'doc', withFile.doc], [withFile.id, 'doc', withFile.doc]]);
  t.app.hooks.onFileDownloadRequest.unbind(guard);
});

eachAppDialect('onRecordEnrich shapes what each requester receives (list, view, create answer, realtime)', async (t) => {
  const res = await t.call('POST', '/api/collections', { body: {
    name: 'things', fields: [{ name: 'title', type: 'text' }, { name: 'cost', type: 'number' }],
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
  } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const events = record(t, ['onRecordEnrich'], ['things']);
  t.app.hooks.onRecordEnrich.on('things').bindFunc((e) => {
    if (!e.context.isSuperuser) delete e.record.cost;
    e.record.label = `${String(e.record.title)}!`;
    return e.next();
  });
  const created = await t.call('POST', '/api/collections/things/records', { body: { title: 'tea', cost: 3 } });
  assert.equal(created.status, 200);
  assert.equal(created.body.cost, 3);
  assert.equal(created.body.label, 'tea!');
  const pb = sdk(t.url);
  const inbox = new Inbox();
  try {
    await pb.collection('things').subscribe('*', inbox.push);
    events.length = 0;
    const asGuest = await t.call('GET', `/api/collections/things/records/${created.body.id}`, { token: null });
    assert.equal(asGuest.body.cost, undefined);
    assert.equal(asGuest.body.label, 'tea!');
    const list = await t.call('GET', '/api/collections/things/records', { token: null });
    assert.deepEqual(list.body.items.map((i: Record<string, unknown>) => [i.label, i.cost]), [['tea!', undefined]]);
    assert.deepEqual(events, ['onRecordEnrich', 'onRecordEnrich']);
    await t.call('PATCH', `/api/collections/things/records/${created.body.id}`, { body: { title: 'milk' } });
    await inbox.waitFor((items) => items.some((i) => i.action === 'update'));
    const update = inbox.items.find((i) => i.action === 'update');
    assert.equal(update?.record.label, 'milk!');
    assert.equal(update?.record.cost, undefined);
  } finally {
    pb.realtime.unsubscribe();
  }
});
