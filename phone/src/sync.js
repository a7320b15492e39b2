// The sync loop: push what waits, then pull what changed (API.md "Sync").
//
// Why nothing is lost or sent twice: every record already sits in IndexedDB with the id the server
// expects, and leaves the outbox only once the server answered created / duplicate / updated for exactly
// the revision that was sent. A push cut off mid-way is simply sent again: the server answers
// "duplicate" for what it had stored. One sync at a time (a Web Lock, across tabs too).
//
// No item waits forever: every answer ends in a state the volunteer sees (syncscreen.jsx).
//   created / duplicate / updated   gone from the queue (a follow-up the visit closed goes too);
//   rejected with field errors      "rejected": fixed in its form and sent again, or discarded;
//   conflict (a household edit)     "conflict": the volunteer picks a version;
//   erased, out of the caller's villages, a stored visit or session with other content
//                                   "final" with its reason: the server cannot place it; discard it;
//   "send again later" (retry, or no answer for the item)
//                                   waits with a growing delay; after MAX_ITEM_TRIES "stopped", with a
//                                   button to try again;
//   the whole push failing (server error, no link)
//                                   the sync backs off; after MAX_SYNC_TRIES it stops trying by itself
//                                   and says so; 401 asks for the password; 403 says the role is refused.
import { ApiError, Offline, api } from './api.js';
import {
  ROLES_ALLOWED,
  applyPullPage,
  applyReference,
  emit,
  followupsClose,
  forgetCursor,
  outboxRemove,
  outboxUpdate,
  reviewsHeld,
  reviewsReplace,
  sessionForget,
  sessionUpdate,
  setMeta,
  state,
  withSearch,
} from './store.js';
import { checkSpace } from './storage.js';
import { HOUSEHOLD_FIELDS, pushBody, sendableItems } from './wire.js';
import { handoffsSend, notesSync, readsNotes } from './handoff.js';
import { offlineSignInFinish } from './offline.js';

// The API takes at most 500 items a push; smaller batches show progress and waste less when a slow
// link drops one.
export const BATCH = 200;
const PULL_LIMIT = 500;
const REFRESH_EVERY_MS = 30 * 60 * 1000;
// The whole sync failing: 2 s, 4 s, … capped at 5 min, and no automatic try after the 8th in a row.
const MAX_BACKOFF_MS = 5 * 60 * 1000;
export const MAX_SYNC_TRIES = 8;
// One item the server asks to send again later: 30 s, 1 min, … capped at 15 min; stopped after the 6th.
const ITEM_BACKOFF_MS = 30 * 1000;
const MAX_ITEM_BACKOFF_MS = 15 * 60 * 1000;
export const MAX_ITEM_TRIES = 6;

class NeedsPassword extends Error {}
class RoleRefused extends Error {}
// The volunteer set a new password (or signed in again) while this sync ran with the old token: the sync
// ends quietly and starts again with the new one.
class TokenReplaced extends Error {}

let timer = null;
let attempt = 0;
let running = null;
let again = false;
// "Sync now": items waiting out their delay go too.
let forced = false;

function setSync(changes) {
  Object.assign(state.sync, changes);
  emit();
}

// Items of one owner that can go now. A visit whose new household the server has not accepted yet
// (rejected or in conflict here) waits for it instead of being refused for an unknown household.
function sendable(owner, now = Date.now()) {
  return sendableItems(state.outbox, owner, (item) => forced || !(item.nextAt > now));
}

async function call(session, path, options) {
  try {
    return await api(path, { ...options, token: session.token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      const now = [state.session, ...state.leaving].find((s) => s && s.userId === session.userId);
      if (now && now.token && now.token !== session.token) throw new TokenReplaced();
      await sessionUpdate(now || session, { needsPassword: true });
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
    const body = pushBody(items, state.meta.deviceId);
    let answer;
    try {
      answer = await call(session, 'sync/push/', { method: 'POST', body });
    } catch (error) {
      if (error instanceof ApiError && error.status === 413 && batchSize > 1) {
        batchSize = Math.max(1, Math.floor(batchSize / 2));
        continue;
      }
      if (error instanceof ApiError && error.status === 413) {
        // Too big even alone: the server will never take it as it is.
        const errors = error.body.errors || { non_field_errors: [error.message] };
        await outboxUpdate(items.map((item) => ({ ...item, state: 'rejected', errors, current: null })));
        continue;
      }
      if (error instanceof ApiError && error.status === 403) throw new RoleRefused();
      throw error;
    }
    await settle(items, answer.results || [], retried);
    if (onProgress) onProgress();
  }
}

// Waits a little longer after each "send again later"; after MAX_ITEM_TRIES it stops until the volunteer
// asks (syncscreen.jsx "try again").
function later(item, errors) {
  const attempts = (item.attempts || 0) + 1;
  if (attempts >= MAX_ITEM_TRIES) return { ...item, attempts, errors, state: 'stopped', nextAt: null };
  const delay = Math.min(MAX_ITEM_BACKOFF_MS, ITEM_BACKOFF_MS * 2 ** (attempts - 1));
  return { ...item, attempts, errors, nextAt: Date.now() + delay };
}

// An item the server will never place as it is: its household was erased, it lies outside the caller's
// villages (the household moved to another team), or the server holds the record with other content.
function finalReason(item, result) {
  const errors = result.errors || {};
  if (result.retry) return null;  // "not here yet": sent again later
  if (result.status === 'erased') return 'erased';
  if (result.status === 'rejected' && item.kind === 'visit' && errors.household) return 'outside';
  if (result.status === 'rejected' && item.kind === 'household' && errors.id) return 'outside';
  if (result.status === 'conflict' && item.kind !== 'household') return 'stored';
  return null;
}

async function settle(sent, results, retried) {
  const sentRev = new Map(sent.map((item) => [item.key, item.rev]));
  const byKey = new Map(results.map((result) => [`${result.type}:${result.id}`, result]));
  const done = [];
  const households = [];
  const changed = [];
  const erased = new Set();
  const closed = [];
  const held = [];
  for (const item of state.outbox) {
    if (!sentRev.has(item.key)) continue;
    const result = byKey.get(item.key);
    if (!result) {
      retried.add(item.key);
      changed.push(later(item, null));
      continue;
    }
    const status = result.status;
    const reason = finalReason(item, result);
    if (status === 'created' || status === 'duplicate' || status === 'updated') {
      if (item.kind === 'household') {
        const previous = state.households.get(item.id) || {};
        const fields = { ...item.body };
        delete fields.base_version;
        delete fields.changed;
        // An edit changed only its own fields: the others stay as this phone last pulled them.
        if (Array.isArray(item.body.changed) && state.households.has(item.id)) {
          for (const name of HOUSEHOLD_FIELDS) if (!item.body.changed.includes(name)) delete fields[name];
        }
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
      if (item.kind === 'visit') {
        // Stored but out of every total until the commune leader confirms it: the volunteer sees so now.
        if (result.held) held.push(item.body);
        for (const help of item.body.help || []) {
          if (help.result === 'done') closed.push([item.body.household, help.service]);
        }
      }
      if (item.rev === sentRev.get(item.key)) {
        done.push(item.key);
      } else if (item.kind === 'household') {
        // Edited again while this edit was on its way: the new edit builds on what was just stored.
        changed.push({ ...item, body: { ...item.body, base_version: result.version } });
      } else {
        // A visit or session edited while it was on its way: the server keeps what it received.
        changed.push({ ...item, state: 'final', reason: 'stored', errors: null });
      }
    } else if (reason) {
      // Final: never sent again. An erased household leaves this phone; the item stays, named, until
      // the volunteer discards it.
      changed.push({ ...item, state: 'final', reason, errors: result.errors || null, current: null });
      if (reason === 'erased') erased.add(item.kind === 'household' ? item.id : item.body.household);
    } else if (status === 'rejected' && result.retry) {
      // The server does not have this record's household yet: keep it waiting, send it after it.
      retried.add(item.key);
      changed.push(later(item, result.errors || null));
    } else if (status === 'conflict' && item.kind === 'household' && result.conflicts && result.current) {
      // Merged field by field: what changed on this side only is stored; the volunteer chooses, field by
      // field, for what changed on both sides (syncscreen.jsx), and the choice goes from this version.
      const onlyConflicts = item.rev === sentRev.get(item.key);
      const body = {
        ...item.body,
        base_version: result.version,
        changed: onlyConflicts ? Object.keys(result.conflicts) : item.body.changed,
      };
      changed.push({ ...item, body, state: 'conflict', current: result.current, conflicts: result.conflicts, errors: null });
      households.push({ ...(state.households.get(item.id) || {}), ...result.current });
    } else if (status === 'conflict' && item.kind === 'household' && result.current) {
      changed.push({ ...item, state: 'conflict', current: result.current, conflicts: null, errors: null });
    } else {
      changed.push({ ...item, state: 'rejected', errors: result.errors || {}, current: null });
    }
  }
  // Visits waiting behind a household the server will never place share its fate (they would wait for it
  // forever otherwise).
  const finalHouseholds = new Map(
    changed.filter((i) => i.kind === 'household' && i.state === 'final').map((i) => [i.id, i.reason]),
  );
  if (finalHouseholds.size) {
    const owner = sent[0].owner;
    for (const item of state.outbox) {
      if (item.owner === owner && item.kind === 'visit' && item.state === 'waiting' && !sentRev.has(item.key)
        && finalHouseholds.has(item.body.household)) {
        changed.push({ ...item, state: 'final', reason: finalHouseholds.get(item.body.household), errors: null });
      }
    }
  }
  await outboxRemove(done, {
    households: households.filter((h) => !erased.has(h.id)).map(withSearch),
    erased: [...erased].filter(Boolean),
  });
  await outboxUpdate(changed);
  await followupsClose(closed);
  await reviewsHeld(held);
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
    // An older server sends no list: what the phone knows stays.
    if (!page.has_more && Array.isArray(page.reviews)) await reviewsReplace(page.reviews);
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
    // With each village's outline (bounded, simplified): the walk map draws it offline (map.jsx).
    const all = await call(session, `areas/villages/?commune=${encodeURIComponent(commune)}&outline=true`);
    const mine = new Set(me.villages);
    villages = all.filter((v) => mine.has(v.code)).map((v) => ({ code: v.code, name: v.name, outline: v.outline || null }));
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
  // Only a session kept by an older version of the app still holds a token (store.load drops it).
  for (const leaving of [...state.leaving]) {
    if (leaving.needsPassword || !leaving.token) continue;
    try {
      await pushOwner(leaving);
      if (!state.outbox.some((item) => item.owner === leaving.userId)) await forgetLeaving(leaving);
    } catch (error) {
      if (!(error instanceof NeedsPassword || error instanceof RoleRefused || error instanceof TokenReplaced)) {
        throw error;
      }
    }
  }
  if (state.session && !state.session.token && !state.session.needsPassword) await offlineSignInFinish();
  const session = state.session;
  if (!session || session.needsPassword || !session.token) return;
  try {
    await handoffsSend(session, call);
    await pushOwner(session, () => emit());
    forced = false;
    const stale = !state.meta.refreshedAt || Date.now() - state.meta.refreshedAt > REFRESH_EVERY_MS;
    await Promise.all([
      stale || !state.services.length ? refreshReference(session) : null,
      pull(session),
      readsNotes(session) ? notesSync(session, call) : null,
    ]);
    // A pull may take a while; what was recorded meanwhile goes now rather than at the next sync.
    if (sendable(session.userId).length) await pushOwner(session, () => emit());
    await setMeta({ lastSyncAt: new Date().toISOString() });
    if (state.session && state.session.roleRefused) await sessionUpdate(state.session, { roleRefused: false });
  } catch (error) {
    if (error instanceof NeedsPassword) return;
    if (error instanceof TokenReplaced) {
      again = true;
      return;
    }
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
  timer = setTimeout(() => requestSync({ auto: true }), delay);
}

// The next item whose delay ends: a sync then, without waiting for the five-minute look.
function scheduleDelayed() {
  const owner = state.session && state.session.userId;
  const next = Math.min(
    ...state.outbox.filter((i) => i.owner === owner && i.state === 'waiting' && i.nextAt).map((i) => i.nextAt),
  );
  if (Number.isFinite(next)) schedule(Math.max(1000, next - Date.now()));
}

// Ask for a sync; a request made while one runs starts another right after it. `auto`: the app's own
// timers, which stay quiet once the sync stopped after MAX_SYNC_TRIES failures; `force`: "sync now",
// which also sends the items waiting out their delay.
export function requestSync({ auto = false, force = false } = {}) {
  if (auto && state.sync.stopped) return Promise.resolve();
  if (force) forced = true;
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(timer);
  if (!navigator.onLine) {
    forced = false;
    setSync({ online: false });
    registerBackgroundSync();
    return Promise.resolve();
  }
  setSync({ running: true, online: true, error: null });
  running = (async () => {
    try {
      await runLocked();
      attempt = 0;
      // The server answered: a volunteer who put off setting their own password is asked again now.
      if (state.passwordDeferred && state.session && !state.session.needsPassword) state.passwordDeferred = false;
      setSync({ running: false, error: null, stopped: 0 });
      scheduleDelayed();
      checkSpace();
    } catch (error) {
      const offline = error instanceof Offline;
      const retryable = offline || (error instanceof ApiError && error.retryable);
      if (retryable) registerBackgroundSync();
      setSync({ running: false, error: offline ? 'offline' : error.message || 'error' });
      if (retryable) {
        attempt += 1;
        if (attempt >= MAX_SYNC_TRIES) {
          // Stop knocking: the screen says how many tries failed and offers one more.
          setSync({ stopped: attempt });
        } else {
          // Exponential backoff with jitter: a village of phones back in coverage do not all knock at once.
          schedule(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2));
        }
      } else {
        console.error(error);
      }
    } finally {
      forced = false;
      running = null;
      if (again) {
        again = false;
        requestSync();
      }
    }
  })();
  return running;
}

// Background Sync (where the browser has it): the service worker sends the queue when the network comes
// back, even with the app closed (sw.js). Asked for whenever something waits and the sync could not run.
export function registerBackgroundSync() {
  const owner = state.session && state.session.userId;
  if (!owner || !state.session.token || !sendable(owner, Infinity).length) return;
  if (!('serviceWorker' in navigator) || typeof window === 'undefined' || !('SyncManager' in window)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync && registration.sync.register('cnscd-push'))
    .catch(() => {});  // refused (permission, private mode): the app sends the queue when it opens
}

// The volunteer's "try again" after the sync stopped by itself.
export function retrySync() {
  attempt = 0;
  setSync({ stopped: 0 });
  return requestSync({ force: true });
}

export function startSync() {
  window.addEventListener('online', () => {
    attempt = 0;
    setSync({ online: true, stopped: 0 });
    requestSync();
  });
  window.addEventListener('offline', () => {
    setSync({ online: false });
    registerBackgroundSync();
  });
  // While the app is open, look again every few minutes (new follow-ups, teammates' visits).
  setInterval(() => requestSync({ auto: true }), 5 * 60 * 1000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') registerBackgroundSync();
    if (document.visibilityState === 'visible') requestSync({ auto: true });
  });
  requestSync();
}
