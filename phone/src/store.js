// Everything the volunteer sees or records lives in IndexedDB first (Dexie), then in memory for the
// screens. A record is written to the device before anything else happens to it, so closing the app,
// reloading, losing the network or updating the app never loses it.
//
// Tables:
//   sessions   the signed-in volunteer ("active") and volunteers who signed out while something of theirs
//              still waited ("leaving"): never with a token (a phone may be shared); their queue goes
//              when they sign in on this phone again.
//   outbox     records for the server, keyed "<kind>:<id>", each with its owner and its state: waiting,
//              or final until the volunteer acts (rejected, conflict, final, stopped; see sync.js).
//   households, followups, services, villages, campaigns   what pull and the reference calls downloaded,
//              for the active volunteer only (cleared at sign-out or when someone else signs in).
//   reviews    the volunteer's own visits held out of the totals or decided by the commune leader (issue 21
//              §1): "held" as soon as push answers held, then the server's list from each complete pull.
//   handoffs   on a team or commune leader's phone: the notes the team's members handed over (issue 22 §1).
//   meta       cursor, last sync, device id, whose data the tables hold.
import Dexie from 'dexie';
import { api } from './api.js';
import { uuid } from './ids.js';
import { fold, sortKey } from './text.js';

export const db = new Dexie('cnscd-phone');
db.version(1).stores({
  meta: 'key',
  sessions: 'userId, status',
  outbox: 'key, owner, seq',
  households: 'id',
  followups: '[household+service]',
  services: 'code',
  villages: 'code',
  campaigns: 'id',
});
db.version(2).stores({
  reviews: 'id, household',
});
// Notes the team's members handed to the team leader (issue 22 §1): read on the leader's phone offline.
db.version(3).stores({
  handoffs: 'id',
});

// Tables that hold one volunteer's downloaded data (personal data: cleared when they leave).
export const PERSONAL = ['households', 'followups', 'villages', 'campaigns', 'reviews', 'handoffs'];
export const PERSONAL_META = ['cursor', 'lastSyncAt', 'dataOwner', 'refreshedAt'];

export const ROLES_ALLOWED = ['volunteer', 'team_leader', 'commune_leader'];

export const state = {
  ready: false,
  session: null,
  leaving: [],
  households: new Map(),
  outbox: [],
  followups: [],
  services: [],
  serviceByCode: new Map(),
  villages: [],
  campaigns: [],
  // Visit id → { id, household, visited_at, state: held | confirmed | rejected, reason, decided_at }.
  reviews: new Map(),
  // Notes handed over by the team's members (a team or commune leader's phone): the server's records, with
  // `handledHere` while a "handled" mark made on this phone waits to be sent.
  handoffs: [],
  meta: {},
  sync: { running: false, error: null, online: typeof navigator === 'undefined' ? true : navigator.onLine },
  // The volunteer chose to work on while offline instead of setting their own password (app.jsx): kept in
  // memory only, and ended by the next contact with the server (sync.js), which asks again.
  passwordDeferred: false,
  // What the browser says about the app's storage (storage.js).
  storage: { persisted: null, usage: null, quota: null, low: false },
  // Bumped whenever the lists change, so derived views (the coach's order) are computed once per change.
  dataVersion: 0,
};

const listeners = new Set();

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function emit({ data = false } = {}) {
  if (data) state.dataVersion += 1;
  for (const listener of listeners) listener();
}

async function readMeta() {
  const rows = await db.meta.toArray();
  return Object.fromEntries(rows.map((row) => [row.key, row.value]));
}

export async function setMeta(values) {
  await db.meta.bulkPut(Object.entries(values).map(([key, value]) => ({ key, value })));
  Object.assign(state.meta, values);
}

function indexServices(services) {
  state.services = services;
  state.serviceByCode = new Map(services.map((s) => [s.code, s]));
}

export async function load() {
  const [meta, sessions, outbox, households, followups, services, villages, campaigns, reviews, handoffs] = await Promise.all([
    readMeta(),
    db.sessions.toArray(),
    db.outbox.orderBy('seq').toArray(),
    db.households.toArray(),
    db.followups.toArray(),
    db.services.toArray(),
    db.villages.toArray(),
    db.campaigns.toArray(),
    db.reviews.toArray(),
    db.handoffs.toArray(),
  ]);
  if (!meta.deviceId) {
    meta.deviceId = `phone-${uuid()}`;
    await db.meta.put({ key: 'deviceId', value: meta.deviceId });
  }
  state.meta = meta;
  state.session = sessions.find((s) => s.status === 'active') || null;
  state.leaving = await Promise.all(sessions.filter((s) => s.status === 'leaving').map(dropToken));
  state.outbox = outbox;
  state.households = new Map(households.map((h) => [h.id, h.search === undefined ? withSearch(h) : h]));
  state.followups = followups;
  indexServices(services.sort((a, b) => a.order - b.order));
  state.villages = villages.sort((a, b) => a.code.localeCompare(b.code));
  state.campaigns = campaigns;
  state.reviews = new Map(reviews.map((r) => [r.id, r]));
  state.handoffs = handoffs;
  state.ready = true;
  emit({ data: true });
}

// Folded once when a record arrives, not on every redraw of the list.
export function withSearch(household) {
  household.search = fold(`${household.label} ${household.head_name || ''} ${household.phone || ''}`);
  household.sortKey = sortKey(household.label);
  return household;
}

// --- sessions -------------------------------------------------------------------------------------

// A volunteer who left keeps their queue on the phone, never their token: it is ended on the server
// (when the network allows) and forgotten here at once.
async function dropToken(session) {
  if (!session.token) return session;
  api('auth/logout/', { method: 'POST', token: session.token }).catch(() => {});
  const kept = { ...session, token: null, expiry: null, needsPassword: false };
  await db.sessions.put(kept);
  return kept;
}

function leavingRecord(session) {
  return { userId: session.userId, username: session.username, status: 'leaving', token: null, expiry: null };
}

// `password_change_required`: the password was handed out (a sheet's slip, a leader's reset); the app asks
// for the member's own before anything else (app.jsx), and keeps asking after a reload until it is set.
export async function sessionStart({ token, expiry, user, password_change_required: passwordChangeRequired }) {
  const previous = state.session;
  const session = {
    userId: user.id,
    username: user.username,
    token,
    expiry,
    user,
    status: 'active',
    passwordChangeRequired: Boolean(passwordChangeRequired),
  };
  await db.transaction('rw', [db.sessions, db.meta, ...PERSONAL.map((name) => db[name])], async () => {
    if (previous && previous.userId !== user.id) {
      // Someone signed in over another volunteer without signing them out: their queue stays, their token
      // does not.
      await db.sessions.put(leavingRecord(previous));
    }
    if (state.meta.dataOwner !== user.id) {
      await Promise.all(PERSONAL.map((name) => db[name].clear()));
      await db.meta.bulkDelete(PERSONAL_META);
      await db.meta.put({ key: 'dataOwner', value: user.id });
    }
    await db.sessions.put(session);
  });
  await load();
}

export async function sessionUpdate(session, changes) {
  const updated = { ...session, ...changes };
  await db.sessions.put(updated);
  if (state.session && state.session.userId === session.userId && updated.status === 'active') {
    state.session = updated;
  }
  state.leaving = state.leaving.map((s) => (s.userId === session.userId ? updated : s));
  emit();
  return updated;
}

export function ownItems(userId) {
  return state.outbox.filter((item) => item.owner === userId);
}

// Sign out: what the volunteer downloaded and their token go at once (a phone may be shared). What they
// recorded and did not send stays, under their name, until they sign in on this phone again.
export async function sessionEnd() {
  const session = state.session;
  if (!session) return;
  const keepQueue = ownItems(session.userId).length > 0;
  await db.transaction('rw', [db.sessions, db.meta, ...PERSONAL.map((name) => db[name])], async () => {
    await Promise.all(PERSONAL.map((name) => db[name].clear()));
    await db.meta.bulkDelete(PERSONAL_META);
    if (keepQueue) await db.sessions.put(leavingRecord(session));
    else await db.sessions.delete(session.userId);
  });
  draftsForget(session.userId);
  await load();
}

export async function sessionForget(session) {
  await db.sessions.delete(session.userId);
  state.leaving = state.leaving.filter((s) => s.userId !== session.userId);
  if (state.session && state.session.userId === session.userId) state.session = null;
  emit();
}

// --- the outbox -----------------------------------------------------------------------------------

let seqCounter = 0;

function nextSeq() {
  seqCounter = (seqCounter + 1) % 1000;
  return Date.now() * 1000 + seqCounter;
}

// Store a record for the server. The same key replaces a record that has not been accepted yet
// (an edit of a waiting item, or the fix of a rejected one): its id never changes. `label` names the
// household a visit went to, kept with it: the item stays named even when the household leaves the list.
export async function enqueue(kind, body, { label } = {}) {
  const key = `${kind}:${body.id}`;
  const existing = state.outbox.find((item) => item.key === key);
  const item = {
    label: label || (existing && existing.label) || null,
    key,
    id: body.id,
    kind,
    owner: state.session.userId,
    body,
    state: 'waiting',
    errors: null,
    current: null,
    reason: null,
    attempts: 0,
    nextAt: null,
    rev: existing ? existing.rev + 1 : 1,
    seq: existing ? existing.seq : nextSeq(),
    createdAt: existing ? existing.createdAt : new Date().toISOString(),
  };
  await db.outbox.put(item);
  state.outbox = existing
    ? state.outbox.map((other) => (other.key === key ? item : other))
    : [...state.outbox, item];
  emit({ data: true });
  return item;
}

export async function outboxUpdate(changed) {
  if (!changed.length) return;
  await db.outbox.bulkPut(changed);
  const byKey = new Map(changed.map((item) => [item.key, item]));
  state.outbox = state.outbox.map((item) => byKey.get(item.key) || item);
  emit({ data: true });
}

// `erased`: households erased on a resident's request (push answered "erased"): gone from this phone.
export async function outboxRemove(keys, { households = [], erased = [] } = {}) {
  if (!keys.length && !households.length && !erased.length) return;
  await db.transaction('rw', db.outbox, db.households, async () => {
    await db.outbox.bulkDelete(keys);
    if (households.length) await db.households.bulkPut(households);
    if (erased.length) await db.households.bulkDelete(erased);
  });
  const gone = new Set(keys);
  state.outbox = state.outbox.filter((item) => !gone.has(item.key));
  for (const household of households) state.households.set(household.id, withSearch(household));
  for (const id of erased) state.households.delete(id);
  emit({ data: true });
}

// Follow-ups a visit accepted by the server closed (a help item "done" for that service): gone here now,
// not only at the next full pull.
export async function followupsClose(pairs) {
  if (!pairs.length) return;
  const closing = new Set(pairs.map(([household, service]) => `${household} ${service}`));
  const gone = state.followups.filter((f) => closing.has(`${f.household} ${f.service}`));
  if (!gone.length) return;
  await db.followups.bulkDelete(gone.map((f) => [f.household, f.service]));
  state.followups = state.followups.filter((f) => !closing.has(`${f.household} ${f.service}`));
  emit({ data: true });
}

// --- what the commune leader decided about the volunteer's flagged visits (issue 21 §1) -------------

// Visits push answered `held`: "waiting for the commune" at once, before the next pull. A decision the
// phone already knows is kept (a visit sent again is answered held from its flags alone).
export async function reviewsHeld(visits) {
  const fresh = visits
    .filter((v) => !state.reviews.has(v.id))
    .map((v) => ({ id: v.id, household: v.household, visited_at: v.visited_at, state: 'held', reason: '', decided_at: null }));
  if (!fresh.length) return;
  await db.reviews.bulkPut(fresh);
  for (const review of fresh) state.reviews.set(review.id, review);
  emit({ data: true });
}

// The server's whole list (the last page of a pull): it replaces what the phone had.
export async function reviewsReplace(reviews) {
  await db.transaction('rw', db.reviews, async () => {
    await db.reviews.clear();
    await db.reviews.bulkPut(reviews);
  });
  state.reviews = new Map(reviews.map((r) => [r.id, r]));
  emit({ data: true });
}

// Newest visit first.
// (Times are compared as instants: the phone writes its own offset, the server UTC.)
export function reviewsList() {
  return [...state.reviews.values()].sort((a, b) => Date.parse(b.visited_at) - Date.parse(a.visited_at));
}

// The household's latest visit under review, or null.
export function reviewOf(householdId) {
  let latest = null;
  for (const review of state.reviews.values()) {
    if (review.household !== householdId) continue;
    if (!latest || Date.parse(review.visited_at) > Date.parse(latest.visited_at)) latest = review;
  }
  return latest;
}

// --- notes handed to the team leader (issue 22 §1, the leader's side) ------------------------------

// The server's list replaces what the phone had; a "handled" mark made here and not sent yet stays.
export async function handoffsReplace(notes) {
  const marked = new Set(state.handoffs.filter((n) => n.handledHere && !n.handled_at).map((n) => n.id));
  const rows = notes.map((n) => (marked.has(n.id) && !n.handled_at ? { ...n, handledHere: true } : n));
  await db.transaction('rw', db.handoffs, async () => {
    await db.handoffs.clear();
    await db.handoffs.bulkPut(rows);
  });
  state.handoffs = rows;
  emit({ data: true });
}

// One note changed (marked handled here, or the server's answer to that mark).
export async function handoffPut(note) {
  await db.handoffs.put(note);
  state.handoffs = state.handoffs.some((n) => n.id === note.id)
    ? state.handoffs.map((n) => (n.id === note.id ? note : n))
    : [...state.handoffs, note];
  emit({ data: true });
}

// --- drafts: a form half filled survives a reload (localStorage: small, read synchronously) ---------

const DRAFT_PREFIX = 'cnscd.draft.';

function draftKey(name) {
  return state.session ? `${DRAFT_PREFIX}${state.session.userId}.${name}` : null;
}

export function draftRead(name) {
  const key = draftKey(name);
  try {
    return key ? JSON.parse(localStorage.getItem(key) || 'null') : null;
  } catch {
    return null;
  }
}

export function draftWrite(name, value) {
  const key = draftKey(name);
  try {
    if (key && value) localStorage.setItem(key, JSON.stringify(value));
    else if (key) localStorage.removeItem(key);
  } catch {
    /* storage full or private mode: the form still works, without a draft */
  }
}

function draftsForget(userId) {
  try {
    const mine = `${DRAFT_PREFIX}${userId}.`;
    for (const key of Object.keys(localStorage)) if (key.startsWith(mine)) localStorage.removeItem(key);
  } catch {
    /* nothing stored */
  }
}

// --- what pull and the reference calls bring ------------------------------------------------------

export async function applyPullPage({ households, removed, followups, cursor, complete, keepOnly }) {
  households.forEach(withSearch);  // stored folded: opening the app does not fold 1,000 names again
  await db.transaction('rw', [db.households, db.followups, db.meta], async () => {
    if (households.length) await db.households.bulkPut(households);
    if (removed.length) await db.households.bulkDelete(removed);
    if (keepOnly) {
      // A pull from scratch is the whole truth: anything it did not mention is gone.
      const stale = (await db.households.toCollection().primaryKeys()).filter((id) => !keepOnly.has(id));
      await db.households.bulkDelete(stale);
      for (const id of stale) state.households.delete(id);
    }
    if (complete) {
      await db.followups.clear();
      await db.followups.bulkPut(followups);
    }
    await db.meta.put({ key: 'cursor', value: cursor });
  });
  for (const household of households) state.households.set(household.id, household);
  for (const id of removed) state.households.delete(id);
  if (complete) state.followups = followups;
  state.meta.cursor = cursor;
  emit({ data: true });
}

export async function forgetCursor() {
  await db.meta.delete('cursor');
  delete state.meta.cursor;
}

export async function applyReference({ user, services, villages, campaigns }) {
  await db.transaction('rw', [db.services, db.villages, db.campaigns, db.sessions, db.meta], async () => {
    if (services) {
      await db.services.clear();
      await db.services.bulkPut(services);
    }
    if (villages) {
      await db.villages.clear();
      await db.villages.bulkPut(villages);
    }
    if (campaigns) {
      await db.campaigns.clear();
      await db.campaigns.bulkPut(campaigns);
    }
    if (user && state.session) await db.sessions.put({ ...state.session, user });
    await db.meta.put({ key: 'refreshedAt', value: Date.now() });
  });
  if (services) indexServices(services);
  if (villages) state.villages = villages;
  if (campaigns) state.campaigns = campaigns;
  if (user && state.session) state.session = { ...state.session, user };
  state.meta.refreshedAt = Date.now();
  emit({ data: true });
}
