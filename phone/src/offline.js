// Signing in again offline (issue 22 §6). A phone may be shared: sign-out clears what the volunteer
// downloaded and ends their token. The last volunteer who signed in here may still sign in again with no
// network, and only they:
//
// - at every sign-in with the server (and every new password), PBKDF2 (WebCrypto, SHA-256, a fresh random
//   salt) turns the password into 512 bits: the first half is kept as the verifier, the second becomes an
//   AES-GCM key that is stored, non-extractable, only while that volunteer is signed in;
// - at sign-out their downloaded data is sealed with that key (AES-GCM) before the plain tables are
//   cleared, and the key is deleted: what stays on the phone is the salt, the verifier and the sealed data;
// - offline, the same username and a password whose verifier matches derive the key again and reopen their
//   data; another username is told, truthfully, that it needs the network. The token is not there (it ended
//   at sign-out): the next contact with the server signs in with the password held in memory, or asks for
//   it again after a reload.
//
// Where WebCrypto is missing (a page served over plain HTTP), nothing is kept and offline sign-in says it
// needs the network, as before.
import { Offline, api } from './api.js';
import { PERSONAL, PERSONAL_META, db, load, sessionUpdate, state } from './store.js';

const ITERATIONS = 150000;
const SALT_BYTES = 16;
const encoder = new TextEncoder();
// The password of an offline sign-in, in memory only, to sign in with the server when the network is back.
let pendingPassword = null;

export class OfflineSignInError extends Error {}

export function offlineCapable() {
  return Boolean(globalThis.crypto && crypto.subtle);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function sameText(a, b) {
  // Compared whole, not stopping at the first difference.
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function derive(password, salt, iterations) {
  const material = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'PBKDF2', salt, iterations, hash: 'SHA-256' }, material, 512),
  );
  const key = await crypto.subtle.importKey('raw', bits.slice(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { verifier: hex(bits.slice(0, 32)), key };
}

const normal = (username) => String(username || '').trim().toLowerCase();

async function putMeta(values) {
  await db.meta.bulkPut(Object.entries(values).map(([key, value]) => ({ key, value })));
  Object.assign(state.meta, values);
}

// After a sign-in the server accepted (or a new password it took): the verifier and the session's key.
export async function offlineRemember({ password, user }) {
  if (!offlineCapable() || !password || !user) return;
  try {
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    const { verifier, key } = await derive(password, salt, ITERATIONS);
    const previous = state.meta.offlineUser;
    if (previous && previous.userId !== user.id) await db.meta.delete('vault');
    await putMeta({
      offlineUser: { userId: user.id, username: user.username, salt, iterations: ITERATIONS, verifier, user },
      vaultKey: key,
    });
  } catch (error) {
    console.error(error);  // offline sign-in stays unavailable; nothing else depends on it
  }
}

// Before sign-out clears the tables: seal the volunteer's downloaded data with their key, then drop the key.
export async function offlineSeal(session) {
  const { vaultKey, offlineUser } = state.meta;
  if (!offlineCapable() || !vaultKey || !offlineUser || offlineUser.userId !== session.userId) {
    await db.meta.bulkDelete(['vault', 'vaultKey']);
    return;
  }
  try {
    const tables = {};
    for (const name of PERSONAL) tables[name] = await db[name].toArray();
    const meta = {};
    for (const name of PERSONAL_META) if (state.meta[name] !== undefined) meta[name] = state.meta[name];
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = encoder.encode(JSON.stringify({ tables, meta, catalogueVersion: state.meta.catalogueVersion }));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, vaultKey, plain);
    await db.meta.put({ key: 'vault', value: { userId: session.userId, iv, data } });
  } catch (error) {
    console.error(error);
    await db.meta.delete('vault');
  }
  await db.meta.delete('vaultKey');
  delete state.meta.vaultKey;
}

async function opened(key, vault) {
  if (!vault) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: vault.iv }, key, vault.data);
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;  // sealed with another key: the verifier matched, so only a damaged copy gets here
  }
}

// Offline: the last volunteer, verified on the phone; anyone else needs the network.
export async function offlineSignIn(username, password) {
  const known = state.meta.offlineUser;
  if (!offlineCapable() || !known) throw new OfflineSignInError('signin.offline');
  if (normal(username) !== normal(known.username)) throw new OfflineSignInError('signin.offline_other');
  const { verifier, key } = await derive(password, known.salt, known.iterations);
  if (!sameText(verifier, known.verifier)) throw new OfflineSignInError('signin.offline_wrong');
  const vault = state.meta.vault && state.meta.vault.userId === known.userId ? state.meta.vault : null;
  const contents = await opened(key, vault);
  const session = {
    userId: known.userId,
    username: known.username,
    token: null,
    expiry: null,
    user: known.user,
    status: 'active',
    passwordChangeRequired: false,
    signedInOffline: true,
  };
  await db.transaction('rw', [db.sessions, db.meta, ...PERSONAL.map((name) => db[name])], async () => {
    if (state.meta.dataOwner !== known.userId || contents) {
      await Promise.all(PERSONAL.map((name) => db[name].clear()));
      await db.meta.bulkDelete(PERSONAL_META);
    }
    if (contents) {
      for (const name of PERSONAL) if (contents.tables[name]) await db[name].bulkPut(contents.tables[name]);
      await db.meta.bulkPut(Object.entries(contents.meta).map(([k, value]) => ({ key: k, value })));
    }
    await db.meta.put({ key: 'dataOwner', value: known.userId });
    await db.meta.put({ key: 'vaultKey', value: key });
    await db.meta.delete('vault');
    await db.sessions.put(session);
  });
  pendingPassword = password;
  await load();
}

// The first sync after an offline sign-in: a token from the server, with the password held in memory; after
// a reload (or if the server refuses it: changed elsewhere, account paused) the app asks for it again.
export async function offlineSignInFinish() {
  const session = state.session;
  if (!session || session.token) return;
  if (!pendingPassword) {
    await sessionUpdate(session, { needsPassword: true });
    return;
  }
  let answer;
  try {
    answer = await api('auth/login/', {
      method: 'POST',
      body: { username: session.username, password: pendingPassword, device_name: 'Ứng dụng điện thoại' },
    });
  } catch (error) {
    if (error instanceof Offline) throw error;
    pendingPassword = null;
    await sessionUpdate(state.session || session, { needsPassword: true });
    return;
  }
  const password = pendingPassword;
  pendingPassword = null;
  await sessionUpdate(state.session || session, {
    token: answer.token,
    expiry: answer.expiry,
    user: answer.user,
    needsPassword: false,
    signedInOffline: false,
    passwordChangeRequired: Boolean(answer.password_change_required),
  });
  await offlineRemember({ password, user: answer.user });
}

export function offlineForgetPassword() {
  pendingPassword = null;
}
