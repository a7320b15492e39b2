// Items handed to the team leader (issue 22 §1; API.md "Handoffs"). An item the server can never place
// (erased household, household moved to another team, a stored record with other content) can go to the
// team leader as a note instead of being discarded. The note is queued on the item (`item.handoff`), with
// an id made here once, so a lost answer sent again never makes a second note; it leaves with the next
// sync, and the item leaves the phone when the server has the note.
import { ApiError, Offline } from './api.js';
import { handoffPut, handoffsReplace, outboxRemove, outboxUpdate, state } from './store.js';

export const NOTE_MAX = 1000;
// Roles that have a team leader to hand to (a commune leader's phone has none).
export const HANDS_OVER = ['volunteer', 'team_leader'];
// Roles that read the notes on the phone (the server scopes them: the team's, the commune's).
export const READS_NOTES = ['team_leader', 'commune_leader'];
const REASONS = { erased: 'erased', outside: 'outside', stored: 'stored' };

function firstError(item) {
  for (const messages of Object.values(item.errors || {})) if (messages && messages.length) return [].concat(messages)[0];
  return '';
}

// What the note says: the household as the volunteer saw it, when the item was recorded, what it recorded,
// their words, and what the server answered.
export function handoffPayload(item, { id, label, note, explained }) {
  const body = item.body;
  const recorded = item.kind === 'visit' ? body.visited_at : item.kind === 'group_session' ? body.held_at : item.createdAt;
  return {
    id,
    household: item.kind === 'visit' ? body.household : item.kind === 'household' ? body.id : null,
    household_label: String(label || '').slice(0, 200),
    kind: item.kind,
    recorded_at: recorded,
    outcome: item.kind === 'visit' ? body.outcome : null,
    note: String(note || '').trim().slice(0, NOTE_MAX),
    reason: REASONS[item.reason] || 'other',
    reason_text: (firstError(item) || explained || '').slice(0, 500),
  };
}

// Within a sync (sync.js): every queued note of the session's volunteer. A refusal (4xx) is kept on the item
// with the server's message; no network or a server error ends the sync, which backs off.
export async function handoffsSend(session, call) {
  const queued = state.outbox.filter(
    (item) => item.owner === session.userId && item.state === 'final' && item.handoff && item.handoff.state === 'waiting',
  );
  const sent = [];
  const refused = [];
  for (const item of queued) {
    try {
      await call(session, 'handoffs/', { method: 'POST', body: item.handoff.payload });
      sent.push(item.key);
    } catch (error) {
      if (error instanceof Offline || (error instanceof ApiError && error.retryable)) {
        await outboxRemove(sent);
        throw error;
      }
      if (!(error instanceof ApiError)) throw error;
      const message = firstError({ errors: error.body.errors }) || error.message;
      refused.push({ ...item, handoff: { ...item.handoff, state: 'refused', error: message } });
    }
  }
  await outboxRemove(sent);
  await outboxUpdate(refused);
}

// --- the leader's side: the notes their team's members handed over ----------------------------------

export function readsNotes(session) {
  return Boolean(session && session.user && READS_NOTES.includes(session.user.role));
}

// Newest first (by when the item was recorded on the volunteer's phone).
export function notesList() {
  return [...state.handoffs].sort((a, b) => Date.parse(b.recorded_at) - Date.parse(a.recorded_at));
}

export function notesUnhandled() {
  return state.handoffs.filter((n) => !n.handled_at && !n.handledHere).length;
}

// "Handled", on the phone at once (offline too); the mark goes to the server with the next sync.
export async function noteHandle(note) {
  await handoffPut({ ...note, handledHere: true });
}

// Within a sync, for a leader: the marks made here go first, then the server's list replaces the cached
// one. A note gone from the caller's scope (404) or a role that may not mark (403) drops the mark; no
// network or a server error ends the sync, which backs off.
export async function notesSync(session, call) {
  for (const note of state.handoffs.filter((n) => n.handledHere && !n.handled_at)) {
    try {
      await handoffPut(await call(session, `handoffs/${note.id}/handled/`, { method: 'POST' }));
    } catch (error) {
      if (!(error instanceof ApiError) || error.retryable) throw error;
      await handoffPut({ ...note, handledHere: false });
    }
  }
  try {
    await handoffsReplace(await call(session, 'handoffs/'));
  } catch (error) {
    // An older server without the list, or a role it refuses: the cached notes stay.
    if (!(error instanceof ApiError) || error.retryable) throw error;
  }
}
