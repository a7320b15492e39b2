// "Who do I visit next": the household list as the coach orders it, and what each household still needs.
//
// Order: follow-ups due (oldest due first), then households never visited, then those missing services
// of the running campaign (most missing first), then the rest (follow-ups not yet due first), and
// households that moved away last. What the phone recorded but has not sent yet counts already.
import { todayKey } from './ids.js';
import { fold, sortKey } from './text.js';
import { state } from './store.js';
import { returnDates } from './returns.js';

function byKey(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function runningCampaign(today = todayKey()) {
  return state.campaigns.find((c) => c.starts_on <= today && today <= c.ends_on) || null;
}

// The services the volunteer should offer: the running campaign's, else the whole catalogue.
export function targetServices() {
  const campaign = runningCampaign();
  const codes = campaign && campaign.services.length ? campaign.services : state.services.map((s) => s.code);
  return codes.filter((code) => state.serviceByCode.has(code));
}

let cache = { version: -1, rows: [] };
const TRIED = ['not_home', 'come_back'];

// One row per household: the server's record with this phone's waiting edits and visits laid over it.
export function coachRows() {
  if (cache.version === state.dataVersion) return cache.rows;
  const today = todayKey();
  const villageName = new Map(state.villages.map((v) => [v.code, v.name]));
  const villageKey = new Map(state.villages.map((v) => [v.code, fold(v.name)]));
  const targets = targetServices();
  const local = new Map();
  const edits = new Map();
  const owner = state.session && state.session.userId;
  for (const item of state.outbox) {
    if (item.owner !== owner) continue;
    if (item.kind === 'household') edits.set(item.id, item);
    if (item.kind === 'visit' && item.state !== 'final') {  // a final item never reaches the server
      const entry = local.get(item.body.household) || { visits: 0, done: new Set(), pending: new Set(), last: null };
      entry.visits += 1;
      for (const help of item.body.help || []) {
        if (help.result === 'done') entry.done.add(help.service);
        if (help.result === 'pending') entry.pending.add(help.service);
      }
      if (!entry.last || item.body.visited_at > entry.last.visited_at) entry.last = item.body;
      local.set(item.body.household, entry);
    }
  }
  const returns = returnDates();
  const followups = new Map();
  for (const followup of state.followups) {
    const list = followups.get(followup.household) || [];
    list.push(followup);
    followups.set(followup.household, list);
  }
  const ids = new Set([...state.households.keys(), ...edits.keys()]);
  const rows = [];
  for (const id of ids) {
    const stored = state.households.get(id);
    const edit = edits.get(id);
    const base = edit ? { ...(stored || {}), ...edit.body } : stored;
    const mine = local.get(id);
    const done = new Set([...(base.services_done || []), ...(mine ? mine.done : [])]);
    // A follow-up this phone already did (a waiting visit with that service "done") is closed here now.
    const open = (followups.get(id) || [])
      .filter((f) => !(mine && mine.done.has(f.service)))
      .sort((a, b) => a.due.localeCompare(b.due));
    const localPending = mine ? [...mine.pending].filter((code) => !open.some((f) => f.service === code)) : [];
    const visited = Boolean(base.last_visited_at) || Boolean(mine);
    const missing = targets.filter((code) => !done.has(code));
    const due = open.length && open[0].due <= today ? open[0].due : null;
    let group;
    if (base.moved || (mine && mine.last.outcome === 'moved')) group = 5;
    else if (due) group = 0;
    else if (!visited) group = 1;
    else if (missing.length && open.length === 0) group = 2;
    else if (open.length) group = 3;
    else group = 4;
    const lastOutcome = mine ? mine.last.outcome : base.last_outcome;
    const tried = group !== 5 && TRIED.includes(lastOutcome);
    rows.push({
      id,
      household: base,
      villageName: villageName.get(base.village) || base.village,
      isNew: !stored,
      pendingEdit: edit || null,
      visitedHere: mine ? mine.visits : 0,
      lastVisit: mine ? mine.last.visited_at : base.last_visited_at,
      lastOutcome,
      // Tried but not met: the door to knock on again.
      tried,
      // The day chosen on the visit form to come back (returns.js), while the door is still unanswered.
      returnOn: tried && returns[id] ? returns[id].on : null,
      visited,
      done: [...done],
      missing,
      followups: open,
      localPending,
      due,
      group,
      // household.search was folded once when the record arrived (store.withSearch); edits fold anew.
      search: `${edit || !stored ? fold(`${base.label} ${base.head_name || ''} ${base.phone || ''}`) : stored.search} ${villageKey.get(base.village) || ''}`,
      sortKey: edit || !stored || stored.sortKey === undefined ? sortKey(base.label) : stored.sortKey,
    });
  }
  rows.sort(
    (a, b) =>
      a.group - b.group ||
      (a.group === 0 || a.group === 3 ? a.followups[0].due.localeCompare(b.followups[0].due) : 0) ||
      (a.group === 2 ? b.missing.length - a.missing.length : 0) ||
      byKey(a.sortKey, b.sortKey),
  );
  cache = { version: state.dataVersion, rows };
  return rows;
}

// Every word of the query must appear, diacritics ignored: "nguyen thi huong" finds "Nguyễn Thị Hường".
export function searchRows(rows, query) {
  const words = fold(query).split(' ').filter(Boolean);
  if (!words.length) return rows;
  return rows.filter((row) => words.every((word) => row.search.includes(word)));
}

// How the walk stands at a household (the list's counts, the map's colours): a follow-up due, tried but not
// met, never visited, or reached.
export function rowStatus(row) {
  if (row.due) return 'due';
  if (row.tried) return 'tried';
  if (!row.visited) return 'never';
  return 'reached';
}

function mondayKey(date = new Date()) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate() - ((date.getDay() + 6) % 7));
  return todayKey(monday);
}

// Households visited today and this week (the latest visit, this phone's or the server's), and per village
// how many of its households were reached.
export function dayCounts(rows, now = new Date()) {
  const today = todayKey(now);
  const monday = mondayKey(now);
  let day = 0;
  let week = 0;
  const villages = new Map();
  for (const row of rows) {
    if (row.household.moved) continue;
    const village = villages.get(row.household.village) || { code: row.household.village, name: row.villageName, reached: 0, total: 0 };
    village.total += 1;
    if (row.visited && !row.tried) village.reached += 1;
    villages.set(row.household.village, village);
    if (!row.lastVisit) continue;
    const visited = todayKey(new Date(row.lastVisit));
    if (visited === today) day += 1;
    if (visited >= monday && visited <= today) week += 1;
  }
  return { today: day, week, villages: [...villages.values()].sort((a, b) => a.code.localeCompare(b.code)) };
}

export function coachRow(id) {
  return coachRows().find((row) => row.id === id) || null;
}
