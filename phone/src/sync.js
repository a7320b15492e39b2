// The sync loop: push what waits, then pull what changed (API.md "Sync").
//
// Why nothing is lost or sent twice: every record already sits in IndexedDB with the id the server
// expects, and leaves the outbox only once the server answered created / duplicate / updated for exactly
// the revision that was sent. A push cut off mid-way is simply sent again: the server answers
// "duplicate" for what it had stored. "erased" (a household erased on a resident's request) is final:
// the item is dropped, never retried. One sync at a time (a Web Lock, across tabs too).
import { ApiError, Offline, api } from './api.js';
import {
  ROLES_ALLOWED,
  applyPullPage,
  applyReference,
  emit,
  forgetCursor,
  outboxRemove,
  outboxUpdate,
  sessionForget,
  sessionUpdate,
  setMeta,
  state,
  withSearch,
} from './store.js';

// The API takes at most 500 items a push; smaller batches show progress and waste less when a slow
// link drops one.
export const BATCH = 200;
const PULL_LIMIT = 500;
const KIND_ORDER = { household: 0, visit: 1, group_session: 2 };
const LIST_NAME = { household: 'households', visit: 'visits', group_session: 'group_sessions' };
const REFRESH_EVERY_MS = 30 * 60 * 1000;
const MAX_BACKOFF_MS = 60 * 1000;

class NeedsPassword extends Error {}
class RoleRefused extends Error {}

let timer = null;
let attempt = 0;
let running = null;
let again = false;

function setSync(changes) {
  Object.assign(state.sync, changes);
  emit();
}

// Items of one owner that can go now. A visit whose new household the server has not accepted yet
// (rejected or in conflict here) waits for it instead of being refused for an unknown household.
function sendable(owner) {
  const mine = state.outbox.filter((item) => item.owner === owner);
  const blockedHouseholds = new Set(
    mine.filter((item) => item.kind === 'household' && item.state !== 'waiting').map((item) => item.id),
  );
  return mine
    .filter((item) => item.state === 'waiting')
    .filter((item) => !(item.kind === 'visit' && blockedHouseholds.has(item.body.household)))
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.seq - b.seq);
}

async function call(session, path, options) {
  try {
    return await api(path, { ...options, token: session.token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await sessionUpdate(session, { needsPassword: true });
      throw new NeedsPassword();
    }
    throw error;
  }
}

async function pushOwner(session, onProgress) {
  let batchSize = BATCH;
  // Each round sends the next batch; an item the server asked to send again later ("retry") stays
  // waiting, and a round that settles nothing ends the push.
  const retried = new Set();
  for (;;) {
    const items = sendable(session.userId).filter((item) => !retried.has(item.key)).slice(0, batchSize);
    if (!items.length) return;
    const body = { device_id: state.meta.deviceId, households: [], visits: [], group_sessions: [] };
    for (const item of items) body[LIST_NAME[item.kind]].push(item.body);
    let answer;
    try {
      answer = await call(session, 'sync/push/', { method: 'POST', body });
    } catch (error) {
      if (error instanceof ApiError && error.status === 413 && batchSize > 1) {
        batchSize = Math.max(1, Math.floor(batchSize / 2));
        continue;
      }
      if (error instanceof ApiError && error.status === 403) throw new RoleRefused();
      throw error;
    }
    await settle(items, answer.results || [], retried);
    if (onProgress) onProgress();
  }
}

async function settle(sent, results, retried) {
  const sentRev = new Map(sent.map((item) => [item.key, item.rev]));
  const byKey = new Map(results.map((result) => [`${result.type}:${result.id}`, result]));
  const done = [];
  const households = [];
  const changed = [];
  const erased = new Set();
  for (const item of state.outbox) {
    if (!sentRev.has(item.key)) continue;
    const result = byKey.get(item.key);
    if (!result) {
      retried.add(item.key);
      continue;
    }
    const status = result.status;
    if (status === 'created' || status === 'duplicate' || status === 'updated') {
      if (item.kind === 'household') {
        const previous = state.households.get(item.id) || {};
        const fields = { ...item.body };
        delete fields.base_version;
        households.push({
          services_done: [],
          moved: false,
          last_visited_at: null,
          last_outcome: null,
          ...previous,
          ...fields,
          version: result.version ?? previous.version ?? 1,
        });
      }
      if (item.rev === sentRev.get(item.key)) {
        done.push(item.key);
      } else if (item.kind === 'household') {
        // Edited again while this edit was on its way: the new edit builds on what was just stored.
        changed.push({ ...item, body: { ...item.body, base_version: result.version } });
      }
    } else if (status === 'erased') {
      // Erased on a resident's request: final. The item leaves the queue and the household this phone.
      done.push(item.key);
      erased.add(item.kind === 'household' ? item.id : item.body.household);
    } else if (status === 'rejected' && result.retry) {
      // The server does not have this record's household yet: keep it waiting, send it after it.
      retried.add(item.key);
      changed.push({ ...item, attempts: (item.attempts || 0) + 1 });
    } else if (status === 'conflict' && item.kind === 'household' && result.current) {
      changed.push({ ...item, state: 'conflict', current: result.current, errors: null });
    } else {
      changed.push({ ...item, state: 'rejected', errors: result.errors || {}, current: null });
    }
  }
  await outboxRemove(done, {
    households: households.filter((h) => !erased.has(h.id)).map(withSearch),
    erased: [...erased].filter(Boolean),
  });
  await outboxUpdate(changed);
}

async function pull(session) {
  let fromScratch = !state.meta.cursor;
  let seen = fromScratch ? new Set() : null;
  let restarted = false;
  for (;;) {
    const cursor = state.meta.cursor;
    // The catalogue version this phone holds: the last page brings the catalogue back when it changed.
    const catalogue = `&catalogue=${encodeURIComponent(state.meta.catalogueVersion || '')}`;
    const query = `sync/pull/?limit=${PULL_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}${catalogue}`;
    let page;
    try {
      page = await call(session, query);
    } catch (error) {
      if (error instanceof ApiError && error.status === 410 && !restarted) {
        // The cursor belongs to another server history (a restore, a new server): start over.
        restarted = true;
        await forgetCursor();
        fromScratch = true;
        seen = new Set();
        continue;
      }
      if (error instanceof ApiError && error.status === 403) throw new RoleRefused();
      throw error;
    }
    for (const household of page.households) seen?.add(household.id);
    await applyPullPage({
      households: page.households,
      removed: page.removed,
      followups: page.followups,
      cursor: page.cursor,
      complete: !page.has_more,
      keepOnly: !page.has_more && fromScratch ? seen : null,
    });
    if (page.catalogue) {
      await applyReference({ services: page.catalogue.services.map((s, order) => ({ ...s, order })) });
      await setMeta({ catalogueVersion: page.catalogue.version });
    }
    if (!page.has_more) return;
  }
}

async function refreshReference(session) {
  const user = session.user;
  const [me, services, campaigns] = await Promise.all([
    call(session, 'me/'),
    call(session, 'services/'),
    call(session, 'campaigns/').catch(() => null),
  ]);
  if (!ROLES_ALLOWED.includes(me.role)) throw new RoleRefused();
  const commune = me.commune || user.commune;
  let villages = null;
  if (commune) {
    const all = await call(session, `areas/villages/?commune=${encodeURIComponent(commune)}`);
    const mine = new Set(me.villages);
    villages = all.filter((v) => mine.has(v.code)).map((v) => ({ code: v.code, name: v.name }));
  }
  await applyReference({
    user: me,
    services: services.map((s, order) => ({ ...s, order })),
    villages,
    campaigns: campaigns || [],
  });
}

async function forgetLeaving(session) {
  // Nothing of theirs is left: end their token on the server, then forget them on this phone.
  try {
    await api('auth/logout/', { method: 'POST', token: session.token });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  await sessionForget(session);
}

async function syncOnce() {
  for (const leaving of [...state.leaving]) {
    if (leaving.needsPassword) continue;
    try {
      await pushOwner(leaving);
      if (!state.outbox.some((item) => item.owner === leaving.userId)) await forgetLeaving(leaving);
    } catch (error) {
      if (!(error instanceof NeedsPassword || error instanceof RoleRefused)) throw error;
    }
  }
  const session = state.session;
  if (!session || session.needsPassword) return;
  try {
    await pushOwner(session, () => emit());
    const stale = !state.meta.refreshedAt || Date.now() - state.meta.refreshedAt > REFRESH_EVERY_MS;
    await Promise.all([stale || !state.services.length ? refreshReference(session) : null, pull(session)]);
    // A pull may take a while; what was recorded meanwhile goes now rather than at the next sync.
    if (sendable(session.userId).length) await pushOwner(session, () => emit());
    await setMeta({ lastSyncAt: new Date().toISOString() });
    if (state.session && state.session.roleRefused) await sessionUpdate(state.session, { roleRefused: false });
  } catch (error) {
    if (error instanceof NeedsPassword) return;
    if (error instanceof RoleRefused) {
      if (state.session) await sessionUpdate(state.session, { roleRefused: true });
      return;
    }
    throw error;
  }
}

async function runLocked() {
  if (navigator.locks) return navigator.locks.request('cnscd-sync', () => syncOnce());
  return syncOnce();
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(() => requestSync(), delay);
}

// Ask for a sync; a request made while one runs starts another right after it.
export function requestSync() {
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(timer);
  if (!navigator.onLine) {
    setSync({ online: false });
    return Promise.resolve();
  }
  setSync({ running: true, online: true, error: null });
  running = (async () => {
    try {
      await runLocked();
      attempt = 0;
      setSync({ running: false, error: null });
    } catch (error) {
      const offline = error instanceof Offline;
      const retryable = offline || (error instanceof ApiError && error.retryable);
      setSync({ running: false, error: offline ? 'offline' : error.message || 'error' });
      if (retryable) {
        attempt += 1;
        // Exponential backoff with jitter: a village of phones back in coverage do not all knock at once.
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
        schedule(delay);
      } else {
        console.error(error);
      }
    } finally {
      running = null;
      if (again) {
        again = false;
        requestSync();
      }
    }
  })();
  return running;
}

export function startSync() {
  window.addEventListener('online', () => {
    attempt = 0;
    setSync({ online: true });
    requestSync();
  });
  window.addEventListener('offline', () => setSync({ online: false }));
  // While the app is open, look again every few minutes (new follow-ups, teammates' visits).
  setInterval(() => requestSync(), 5 * 60 * 1000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') requestSync();
  });
  requestSync();
}
