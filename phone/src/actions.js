// What the volunteer does, as functions the screens call: each stores first, then asks for a sync.
import { ApiError, Offline, api } from './api.js';
import { currentFix } from './geo.js';
import { isoLocal, uuid } from './ids.js';
import { t } from './i18n.js';
import {
  ROLES_ALLOWED,
  emit,
  enqueue,
  outboxRemove,
  outboxUpdate,
  ownItems,
  sessionEnd,
  sessionStart,
  sessionUpdate,
  state,
  withSearch,
} from './store.js';
import { keepStorage } from './storage.js';
import { requestSync } from './sync.js';
import { HOUSEHOLD_FIELDS } from './wire.js';
import { handoffPayload } from './handoff.js';
import { OfflineSignInError, offlineForgetPassword, offlineRemember, offlineSeal, offlineSignIn } from './offline.js';

export class SignInError extends Error {}

// Setting one's own password failed: `errors` per field as the server named them (current_password,
// new_password, new_password_again), or `offline`.
export class PasswordError extends Error {
  constructor({ errors = {}, offline = false } = {}) {
    super('password');
    this.errors = errors;
    this.offline = offline;
  }
}

// The handed-out password the volunteer has just signed in with, held in memory only (never stored) so the
// "set your own password" screen does not ask for it a second time. Gone on reload, sign-out or success.
let issuedPassword = null;

export function issuedPasswordHeld() {
  return Boolean(issuedPassword) && Boolean(state.session);
}

function deviceName() {
  const ua = navigator.userAgent;
  const match = ua.match(/\(([^)]+)\)/);
  return `Ứng dụng điện thoại${match ? ` (${match[1].slice(0, 60)})` : ''}`.slice(0, 100);
}

function firstMessage(body) {
  const errors = (body && body.errors) || {};
  for (const messages of Object.values(errors)) if (messages && messages.length) return messages[0];
  return (body && body.detail) || '';
}

async function login(username, password) {
  try {
    return await api('auth/login/', {
      method: 'POST',
      body: { username, password, device_name: deviceName() },
    });
  } catch (error) {
    if (error instanceof Offline) throw new SignInError('signin.offline');
    if (error instanceof ApiError) throw new SignInError(firstMessage(error.body) || error.message);
    throw error;
  }
}

export async function signIn(username, password) {
  let answer;
  try {
    answer = await login(username.trim(), password);
  } catch (error) {
    if (!(error instanceof SignInError && error.message === 'signin.offline')) throw error;
    // No network: the last volunteer who signed in here, verified on the phone (offline.js).
    try {
      await offlineSignIn(username, password);
    } catch (refused) {
      if (refused instanceof OfflineSignInError) throw new SignInError(refused.message);
      throw refused;
    }
    keepStorage();
    return;
  }
  if (!ROLES_ALLOWED.includes(answer.user.role)) {
    // Province officers and admins work in the web pages: end the token we were just given.
    api('auth/logout/', { method: 'POST', token: answer.token }).catch(() => {});
    throw new SignInError('signin.role_refused');
  }
  const earlier = state.leaving.find((s) => s.userId === answer.user.id);
  if (earlier && earlier.token) api('auth/logout/', { method: 'POST', token: earlier.token }).catch(() => {});
  await sessionStart(answer);
  issuedPassword = answer.password_change_required ? password : null;
  keepStorage();
  requestSync();
  // The verifier for signing in again offline (offline.js): PBKDF2 takes a moment; nothing waits for it.
  offlineRemember({ password, user: answer.user });
}

// The server no longer takes this phone's token (it expired, the password was changed elsewhere or reset
// by a leader, the account was paused): the password again, and everything waiting stays as it was. A
// leader's reset hands out a password, so the app then asks for the member's own (app.jsx).
export async function signInAgain(password) {
  const session = state.session;
  const answer = await login(session.username, password);
  await sessionUpdate(state.session || session, {
    token: answer.token,
    expiry: answer.expiry,
    user: answer.user,
    needsPassword: false,
    signedInOffline: false,
    passwordChangeRequired: Boolean(answer.password_change_required),
  });
  issuedPassword = answer.password_change_required ? password : null;
  offlineForgetPassword();
  requestSync();
  offlineRemember({ password, user: answer.user });
}

// The member's own password (POST auth/password/). Every other sign-in of theirs ends on the server, this
// phone's token too: the answer's new token replaces it, so the queue goes on being sent.
export async function setOwnPassword({ current, password, again }) {
  const session = state.session;
  if (password !== again) {
    throw new PasswordError({ errors: { new_password_again: [t('password.mismatch')] } });
  }
  let answer;
  try {
    answer = await api('auth/password/', {
      method: 'POST',
      token: session.token,
      body: { current_password: current || issuedPassword || '', new_password: password },
    });
  } catch (error) {
    if (error instanceof Offline) throw new PasswordError({ offline: true });
    if (error instanceof ApiError && error.status === 401) {
      // The token ended meanwhile (a change or a reset elsewhere): the password again first.
      await sessionUpdate(session, { needsPassword: true });
      throw new PasswordError({});
    }
    if (error instanceof ApiError && error.status === 400 && Object.keys(error.body.errors || {}).length) {
      if (error.body.errors.current_password) issuedPassword = null;  // ask for it on the screen
      throw new PasswordError({ errors: error.body.errors });
    }
    if (error instanceof ApiError) throw new PasswordError({ errors: { non_field_errors: [error.message] } });
    throw error;
  }
  issuedPassword = null;
  await sessionUpdate(state.session, {
    token: answer.token,
    expiry: answer.expiry,
    user: answer.user,
    needsPassword: false,
    passwordChangeRequired: Boolean(answer.password_change_required),
  });
  state.passwordDeferred = false;
  requestSync();
  offlineRemember({ password, user: answer.user });
}

// Offline at the "set your own password" screen: work on; the next contact with the server asks again.
export function deferPassword() {
  state.passwordDeferred = true;
  emit();
}

export function waitingCount() {
  return state.session ? ownItems(state.session.userId).length : 0;
}

// Sign out on a phone that may be shared: with a network, what waits goes first (a few seconds at most),
// then the token ends on the server and leaves the phone. Anything still unsent stays under the
// volunteer's name and goes when they sign in here again.
export async function signOut() {
  const session = state.session;
  if (!session) return;
  const bounded = (promise, ms) => Promise.race([promise, new Promise((done) => setTimeout(done, ms))]);
  if (navigator.onLine && !session.needsPassword && session.token) {
    if (ownItems(session.userId).some((item) => item.state === 'waiting')) {
      await bounded(requestSync({ force: true }).catch(() => {}), 8000);
    }
    await bounded(api('auth/logout/', { method: 'POST', token: session.token }).catch(() => {}), 3000);
  }
  issuedPassword = null;
  offlineForgetPassword();
  state.passwordDeferred = false;
  await offlineSeal(session);
  await sessionEnd();
}

// Visits to this household recorded in the last `minutes` (on this phone, or by anyone per the last pull),
// newest first: a second visit so soon is asked about before it is stored.
export const REPEAT_MINUTES = 10;
export function recentVisit(householdId, { minutes = REPEAT_MINUTES, now = Date.now() } = {}) {
  const since = now - minutes * 60 * 1000;
  const here = ownItems(state.session.userId)
    .filter((item) => item.kind === 'visit' && item.body.household === householdId)
    .map((item) => ({ at: item.body.visited_at, outcome: item.body.outcome, item }));
  const stored = state.households.get(householdId);
  if (stored && stored.last_visited_at) here.push({ at: stored.last_visited_at, outcome: stored.last_outcome, item: null });
  const recent = here.filter((v) => Date.parse(v.at) >= since).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return recent[0] || null;
}

export async function saveVisit({ household, label, outcome, help, notes, previous }) {
  const fix = previous ? null : currentFix();
  const body = {
    id: previous ? previous.id : uuid(),
    household,
    visited_at: previous ? previous.visited_at : isoLocal(),
    lat: previous ? previous.lat : fix?.lat ?? null,
    lon: previous ? previous.lon : fix?.lon ?? null,
    accuracy_m: previous ? previous.accuracy_m : fix?.accuracy_m ?? null,
    outcome,
    help: outcome === 'met' ? help : [],
    notes: (notes || '').trim(),
  };
  await enqueue('visit', body, { label });
  requestSync();
  return body;
}

export async function saveHousehold({ id, village, label, head_name, phone, members, working_age, consent }) {
  const stored = id ? state.households.get(id) : null;
  const pending = id ? state.outbox.find((item) => item.key === `household:${id}`) : null;
  const fix = stored || pending ? null : currentFix();
  const before = (pending && pending.body) || stored || {};
  const baseVersion = pending ? pending.body.base_version : stored ? stored.version : null;
  const body = {
    id: id || uuid(),
    village,
    label: label.trim(),
    head_name: consent ? head_name.trim() : '',
    phone: consent ? phone.trim() : '',
    members: Number(members),
    working_age: Number(working_age),
    lat: before.lat ?? fix?.lat ?? null,
    lon: before.lon ?? fix?.lon ?? null,
    consent: Boolean(consent),
    // The version this phone saw, and the fields this edit changed since: the server merges them field by
    // field (a field changed there too since that version comes back as a conflict to choose).
    base_version: baseVersion,
  };
  if (baseVersion != null && (!pending || Array.isArray(pending.body.changed))) {
    const earlier = pending ? pending.body.changed : [];
    const now = HOUSEHOLD_FIELDS.filter((name) => (body[name] ?? null) !== (before[name] ?? null));
    body.changed = [...new Set([...earlier, ...now])];
    if (!body.changed.length && !pending) return body;  // nothing changed: nothing to send
  }
  await enqueue('household', body);
  requestSync();
  return body;
}

export async function saveGroupSession({ previous, village, held_at, services, attendees }) {
  const fix = previous ? null : currentFix();
  const body = {
    id: previous ? previous.id : uuid(),
    village,
    held_at,
    services,
    attendees: Number(attendees),
    lat: previous ? previous.lat : fix?.lat ?? null,
    lon: previous ? previous.lon : fix?.lon ?? null,
  };
  await enqueue('group_session', body);
  requestSync();
  return body;
}

// A household edited here and on another phone: the volunteer picks which version stays.
export async function resolveConflict(item, choice) {
  if (choice === 'mine') {
    await outboxUpdate([
      {
        ...item,
        state: 'waiting',
        body: { ...item.body, base_version: item.current.version },
        current: null,
        rev: item.rev + 1,
      },
    ]);
    requestSync();
  } else {
    await outboxRemove([item.key], { households: [withSearch({ ...item.current })] });
  }
}

// A household edit merged field by field, with fields changed on both sides: the volunteer chose, field by
// field, "mine" or "theirs". Theirs is what the phone now holds; mine goes again from the server's version.
export async function resolveFields(item, choices) {
  const body = { ...item.body, base_version: item.current.version };
  const mine = [];
  for (const name of Object.keys(item.conflicts || {})) {
    if (choices[name] === 'mine') mine.push(name);
    else body[name] = item.current[name];
  }
  const pendingElse = (item.body.changed || []).filter((name) => !(name in (item.conflicts || {})));
  body.changed = [...mine, ...pendingElse];
  if (!body.changed.length) {
    await outboxRemove([item.key], { households: [withSearch({ ...item.current })] });
    return;
  }
  await outboxUpdate([{ ...item, state: 'waiting', body, current: null, conflicts: null, rev: item.rev + 1 }]);
  requestSync();
}

// Hand an item the server will never place to the team leader, with the volunteer's note (handoff.js). It
// leaves with the next sync; the id is made once, here, so a resend never makes a second note.
export async function handOver(item, { label, note, explained }) {
  // A note the server refused was never stored: the corrected one is a new note.
  const id = item.handoff && item.handoff.state === 'waiting' ? item.handoff.id : uuid();
  const payload = handoffPayload(item, { id, label, note, explained });
  await outboxUpdate([{ ...item, handoff: { id, payload, state: 'waiting', error: null } }]);
  requestSync({ force: true });
}

// Discard an item (the volunteer confirmed). A new household's waiting visits go with it: the server
// could never place them.
export async function discard(item) {
  const keys = [item.key];
  if (item.kind === 'household' && !state.households.has(item.id)) {
    for (const other of ownItems(item.owner)) {
      if (other.kind === 'visit' && other.body.household === item.id) keys.push(other.key);
    }
  }
  await outboxRemove(keys);
}

// "Try again" on an item that stopped after too many "send again later" answers.
export async function retryItem(item) {
  await outboxUpdate([{ ...item, state: 'waiting', attempts: 0, nextAt: null, errors: null }]);
  requestSync({ force: true });
}
