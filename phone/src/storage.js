// Keeping what is stored (issue 22 §6). The browser may clear a site's storage when the phone runs short
// of space, queue included, unless the site's storage is persistent: the app asks for that once a volunteer
// has signed in (Chrome grants it without a prompt to an installed or often-used app; Firefox asks). It
// also reads how much space is left, so the sync screen can warn before a save fails for lack of room.
import { emit, state } from './store.js';

const MB = 1024 * 1024;
// Low: under 50 MB free for the site, or over 90 % of its quota used.
export const LOW_FREE_BYTES = 50 * MB;
export const LOW_USED_SHARE = 0.9;

function storage() {
  return typeof navigator !== 'undefined' && navigator.storage ? navigator.storage : null;
}

export function freeMegabytes() {
  const { usage, quota } = state.storage;
  if (usage === null || quota === null) return null;
  return Math.max(0, Math.floor((quota - usage) / MB));
}

// Ask once per page load; a refusal is only remembered (the sync screen says what it means).
let asked = false;
export async function keepStorage() {
  const manager = storage();
  if (!manager || !manager.persisted || asked) return;
  asked = true;
  try {
    let persisted = await manager.persisted();
    if (!persisted && manager.persist) persisted = await manager.persist();
    state.storage = { ...state.storage, persisted: Boolean(persisted) };
    emit();
  } catch {
    /* a browser without the permission: nothing to keep */
  }
}

export async function checkSpace() {
  const manager = storage();
  if (!manager || !manager.estimate) return;
  try {
    const { usage = 0, quota = 0 } = await manager.estimate();
    if (!quota) return;
    const low = quota - usage < LOW_FREE_BYTES || usage / quota > LOW_USED_SHARE;
    const before = state.storage;
    if (before.usage === usage && before.quota === quota) return;
    state.storage = { ...before, usage, quota, low };
    emit();
  } catch {
    /* no estimate: no warning */
  }
}
