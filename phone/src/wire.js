// What an outbox item looks like on the wire (API.md "Sync: push"), shared by the app's sync loop
// (sync.js) and the service worker's background sync (sw.js).
//
// A household edit names only the fields it changed, with the version this phone saw (`base_version`):
// the server merges it field by field and reports a conflict only for a field changed on both sides. A new
// household (no base_version), or an edit queued by an older version of the app (no `changed`), goes whole.
export const HOUSEHOLD_FIELDS = ['village', 'label', 'head_name', 'phone', 'members', 'working_age', 'lat', 'lon', 'consent'];

export function wireItem(item) {
  const body = item.body;
  if (item.kind !== 'household') return body;
  if (body.base_version != null && Array.isArray(body.changed)) {
    const fields = {};
    for (const name of body.changed) fields[name] = body[name] ?? null;
    return { id: body.id, base_version: body.base_version, fields };
  }
  const whole = { ...body };
  delete whole.changed;
  return whole;
}

export const KIND_ORDER = { household: 0, visit: 1, group_session: 2 };
export const LIST_NAME = { household: 'households', visit: 'visits', group_session: 'group_sessions' };

// The owner's items that can go now (the app adds its own delays; the worker sends every waiting item).
// A visit whose new household the server has not accepted yet (rejected or in conflict here) waits for it.
export function sendableItems(outbox, owner, ready = () => true) {
  const mine = outbox.filter((item) => item.owner === owner);
  const blocked = new Set(mine.filter((item) => item.kind === 'household' && item.state !== 'waiting').map((item) => item.id));
  return mine
    .filter((item) => item.state === 'waiting' && ready(item))
    .filter((item) => !(item.kind === 'visit' && blocked.has(item.body.household)))
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.seq - b.seq);
}

export function pushBody(items, deviceId) {
  const body = { device_id: deviceId, households: [], visits: [], group_sessions: [] };
  for (const item of items) body[LIST_NAME[item.kind]].push(wireItem(item));
  return body;
}
