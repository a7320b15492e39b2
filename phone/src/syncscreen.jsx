// What waits (each item can be edited or deleted until it is sent), the last sync, what the server
// refused (its message, and a way to fix it), what the server can never place (named, explained, and
// discarded with a confirmation), what stopped after too many tries, and household edits in conflict
// (the server's version beside the phone's; the volunteer chooses).
import { useEffect, useState } from 'preact/hooks';
import { discard, handOver, resolveConflict, resolveFields, retryItem } from './actions.js';
import { HANDS_OVER, NOTE_MAX, noteHandle, notesList, notesUnhandled, readsNotes } from './handoff.js';
import { GroupForm } from './forms.jsx';
import { HouseholdForm, ReviewTag, VisitForm } from './households.jsx';
import { coachRow } from './coach.js';
import { formatDateTime, t } from './i18n.js';
import { ownItems, reviewsList, state } from './store.js';
import { checkSpace, freeMegabytes } from './storage.js';
import { MAX_SYNC_TRIES, requestSync, retrySync } from './sync.js';
import { leaveForm } from './ui.jsx';

const FIELDS = ['village', 'label', 'head_name', 'phone', 'members', 'working_age', 'consent'];
// The waiting list shows this many; "and N more" says the rest.
const SHOWN = 50;

function villageName(code) {
  const village = state.villages.find((v) => v.code === code);
  return village ? village.name : code;
}

// A household by its label: from the list, else as it was when the visit was saved; never an id.
function householdLabel(id, item) {
  const row = coachRow(id);
  if (row) return row.household.label;
  return (item && item.label) || t('item.unknown_household');
}

export function describe(item) {
  const body = item.body;
  if (item.kind === 'visit') {
    return t('item.visit', {
      household: householdLabel(body.household, item),
      outcome: t(`outcome.${body.outcome}`),
      time: formatDateTime(body.visited_at),
    });
  }
  if (item.kind === 'household') return t('item.household', { label: body.label });
  return t('item.group_session', {
    village: villageName(body.village),
    time: formatDateTime(body.held_at),
    count: body.attendees,
  });
}

function show(field, value) {
  if (field === 'consent') return value ? t('common.yes') : t('common.no');
  if (field === 'village') return villageName(value);
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

// The field a message is about, in words (never the API's field name).
function fieldName(field) {
  const name = t(`field.${field}`);
  return name === `field.${field}` ? null : name;
}

function Messages({ errors }) {
  const messages = Object.entries(errors || {});
  if (!messages.length) return null;
  return (
    <ul class="messages">
      {messages.map(([field, list]) => (
        <li key={field}>
          {fieldName(field) && <span class="small">{fieldName(field)}: </span>}
          {[].concat(list).join(' ')}
        </li>
      ))}
    </ul>
  );
}

// Discard, after a confirmation that says what goes.
function Discard({ item, waiting = false }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return <button type="button" onClick={() => setAsking(true)}>{waiting ? t('sync.delete') : t('sync.discard')}</button>;
  }
  return (
    <div class="confirm" role="alertdialog" data-testid="discard-confirm">
      <span>{t('sync.discard_question', { item: describe(item) })}</span>
      <button type="button" class="danger" onClick={() => discard(item)}>{t('sync.discard_confirm')}</button>
      <button type="button" onClick={() => setAsking(false)}>{t('common.cancel')}</button>
    </div>
  );
}

function Rejected({ item }) {
  return (
    <li class="card bad" data-testid="rejected">
      <strong>{describe(item)}</strong>
      <Messages errors={item.errors} />
      <div class="actions">
        <a class="button primary" href={`#/fix/${encodeURIComponent(item.key)}`}>{t('sync.fix')}</a>
        <Discard item={item} />
      </div>
    </li>
  );
}

// The household an item is about, by its label (for the note to the team leader).
function itemHousehold(item) {
  if (item.kind === 'visit') return householdLabel(item.body.household, item);
  if (item.kind === 'household') return item.body.label;
  return villageName(item.body.village);
}

// Hand the item to the team leader as a note (handoff.js): queued on the item, sent with the next sync.
function HandOver({ item }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const role = state.session && state.session.user && state.session.user.role;
  if (!HANDS_OVER.includes(role)) return null;
  const handoff = item.handoff;
  if (handoff && handoff.state === 'waiting') {
    return <p class="notice" data-testid="handoff-waiting">{t('handoff.waiting')}</p>;
  }
  if (!open) {
    return (
      <>
        {handoff && handoff.state === 'refused' && <p class="error" data-testid="handoff-refused">{t('handoff.refused', { reason: handoff.error })}</p>}
        <button type="button" class="primary" data-testid="handoff-open" onClick={() => setOpen(true)}>{t('handoff.open')}</button>
      </>
    );
  }
  return (
    <form class="handoff" data-testid="handoff-form" onSubmit={(event) => {
      event.preventDefault();
      handOver(item, { label: itemHousehold(item), note, explained: t(`final.${item.reason}`) });
      setOpen(false);
    }}>
      <label>
        {t('handoff.note')}
        <textarea name="handoff-note" rows="3" maxLength={NOTE_MAX} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <p class="muted small">{t('handoff.lead')}</p>
      <div class="actions">
        <button type="submit" class="primary">{t('handoff.send')}</button>
        <button type="button" onClick={() => setOpen(false)}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

// An item the server can never place: what it was, what happened, what the volunteer can do: hand it to
// the team leader as a note, or discard it.
function Final({ item }) {
  return (
    <li class="card bad" data-testid="final" data-reason={item.reason}>
      <strong>{describe(item)}</strong>
      <p class="outcome">{t(`final.${item.reason}`)}</p>
      <p class="small">{t(`final.${item.reason}_lead`)}</p>
      <HandOver item={item} />
      <div class="actions">
        {!(item.handoff && item.handoff.state === 'waiting') && <Discard item={item} />}
      </div>
    </li>
  );
}

function Stopped({ item }) {
  return (
    <li class="card warn" data-testid="stopped">
      <strong>{describe(item)}</strong>
      <p class="outcome">{t('sync.item_stopped', { count: item.attempts })}</p>
      <Messages errors={item.errors} />
      <div class="actions">
        <button type="button" class="primary" onClick={() => retryItem(item)}>{t('sync.retry')}</button>
        <Discard item={item} />
      </div>
    </li>
  );
}

// One waiting item: editable and deletable until it is sent (not while a sync may be sending it).
function Waiting({ item }) {
  const busy = state.sync.running;
  return (
    <li class="waiting-item" data-testid="waiting-item">
      <span class="what">{describe(item)}</span>
      {item.attempts > 0 && <span class="muted small">{t('sync.item_retrying', { count: item.attempts })}</span>}
      {!busy && (
        <span class="actions">
          <a class="button" href={`#/fix/${encodeURIComponent(item.key)}`}>{t('sync.edit')}</a>
          <Discard item={item} waiting />
        </span>
      )}
    </li>
  );
}

// Who changed a field on the server, and when: "Nguyễn Văn A, 07/12/2026 09:15", or "unknown".
function changedBy(conflict) {
  if (!conflict.by && !conflict.at) return t('merge.unknown');
  return [conflict.by, conflict.at && formatDateTime(conflict.at)].filter(Boolean).join(', ');
}

// Fields changed here and on the server since this phone's version: the volunteer chooses per field. The
// other fields of the edit are already stored.
function FieldConflicts({ item }) {
  const [choices, setChoices] = useState({});
  const fields = Object.keys(item.conflicts);
  const chosen = fields.every((field) => choices[field]);
  return (
    <li class="card warn" data-testid="field-conflict">
      <strong>{t('sync.conflict_title', { label: item.current.label || item.body.label })}</strong>
      <p class="small">{t('merge.lead')}</p>
      {fields.map((field) => {
        const conflict = item.conflicts[field];
        const name = `choice-${item.id}-${field}`;
        return (
          <fieldset class="merge-field" key={field} data-field={field}>
            <legend>{t(`field.${field}`)}</legend>
            <label class="choice">
              <input type="radio" name={name} value="mine" checked={choices[field] === 'mine'}
                onChange={() => setChoices({ ...choices, [field]: 'mine' })} />
              <span>{t('merge.mine')}: <b>{show(field, conflict.mine)}</b></span>
            </label>
            <label class="choice">
              <input type="radio" name={name} value="theirs" checked={choices[field] === 'theirs'}
                onChange={() => setChoices({ ...choices, [field]: 'theirs' })} />
              <span>{t('merge.theirs')}: <b>{show(field, conflict.theirs)}</b> <span class="muted small">({changedBy(conflict)})</span></span>
            </label>
          </fieldset>
        );
      })}
      <div class="actions">
        <button type="button" class="primary" disabled={!chosen} data-testid="merge-send"
          onClick={() => resolveFields(item, choices)}>{t('merge.send')}</button>
      </div>
    </li>
  );
}

function Conflict({ item }) {
  if (item.conflicts) return <FieldConflicts item={item} />;
  const current = item.current;
  const mine = item.body;
  return (
    <li class="card warn" data-testid="conflict">
      <strong>{t('sync.conflict_title', { label: mine.label })}</strong>
      <p class="small">{t('sync.conflict_lead')}</p>
      <table class="compare">
        <thead>
          <tr>
            <th />
            <th>{t('sync.server_version')}</th>
            <th>{t('sync.my_version')}</th>
          </tr>
        </thead>
        <tbody>
          {FIELDS.map((field) => (
            <tr key={field} class={String(current[field] ?? '') !== String(mine[field] ?? '') ? 'differs' : ''}>
              <th>{t(`field.${field}`)}</th>
              <td>{show(field, current[field])}</td>
              <td>{show(field, mine[field])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <button type="button" class="primary" onClick={() => resolveConflict(item, 'mine')}>{t('sync.keep_mine')}</button>
        <button type="button" onClick={() => resolveConflict(item, 'theirs')}>{t('sync.keep_server')}</button>
      </div>
    </li>
  );
}

// The volunteer's own flagged visits: waiting for the commune leader, confirmed, or not counted (with the
// leader's reason). Newest first; "and N more" says the rest.
function Reviews() {
  const reviews = reviewsList();
  if (!reviews.length) return null;
  return (
    <>
      <h3>{t('sync.reviews_title')}</h3>
      <p class="muted small">{t('sync.reviews_lead')}</p>
      <ul class="waiting" data-testid="reviews">
        {reviews.slice(0, SHOWN).map((review) => (
          <li key={review.id} class="waiting-item" data-testid="review-item" data-visit={review.id}>
            <span class="what">
              {t('review.item', { household: householdLabel(review.household), time: formatDateTime(review.visited_at) })}
            </span>
            <ReviewTag review={review} />
          </li>
        ))}
      </ul>
      {reviews.length > SHOWN && <p class="muted">{t('sync.and_more', { count: reviews.length - SHOWN })}</p>}
    </>
  );
}

// dd/mm/yyyy HH:MM in the phone's time zone, whatever the day (a note may be weeks old).
function fullTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

// What the note's item recorded: a visit's outcome, else what kind of item it was.
function noteWhat(note) {
  if (note.outcome) return t(`outcome.${note.outcome}`);
  if (note.kind === 'household') return t('notes.kind_household');
  return note.kind === 'group_session' ? t('notes.kind_group_session') : '';
}

function Note({ note }) {
  const handled = Boolean(note.handled_at);
  return (
    <li class={handled || note.handledHere ? 'card note done' : 'card note'} data-testid="lead-note" data-note={note.id}
      data-handled={handled ? 'server' : note.handledHere ? 'here' : ''}>
      <strong>{note.household_label}</strong>
      <span class="small">{[fullTime(note.recorded_at), noteWhat(note)].filter(Boolean).join(' · ')}</span>
      <span class="small">{t('notes.from', { name: note.volunteer_name || '—' })}</span>
      {note.note && <p class="note-text">{note.note}</p>}
      <p class="muted small">{t('notes.server', { reason: note.reason_text || t(`final.${note.reason}`) })}</p>
      {handled && <span class="tag" data-testid="note-handled">{t('notes.handled_at', { time: fullTime(note.handled_at) })}</span>}
      {!handled && note.handledHere && <span class="tag" data-testid="note-handled-waiting">{t('notes.handled_waiting')}</span>}
      {!handled && !note.handledHere && (
        <div class="actions">
          <button type="button" data-testid="note-handle" onClick={async () => {
            await noteHandle(note);
            requestSync();
          }}>{t('notes.handle')}</button>
        </div>
      )}
    </li>
  );
}

// A team (or commune) leader's phone: what the team's members handed over, newest first, readable offline
// (cached by the last sync); "handled" works offline too and goes with the next sync.
function LeadNotes() {
  if (!readsNotes(state.session)) return null;
  const notes = notesList();
  const unhandled = notesUnhandled();
  return (
    <section class="lead-notes" data-testid="lead-notes">
      <h3>
        {t('notes.title')}{' '}
        {unhandled > 0 && <b class="count-badge" data-testid="notes-unhandled" aria-label={t('notes.unhandled')}>{unhandled}</b>}
      </h3>
      {!state.sync.online && state.meta.lastSyncAt && (
        <p class="muted small" data-testid="notes-cached">{t('notes.cached', { time: fullTime(state.meta.lastSyncAt) })}</p>
      )}
      {notes.length ? (
        <>
          <p class="muted small">{t('notes.lead')}</p>
          <ul class="cards">{notes.slice(0, SHOWN).map((note) => <Note key={note.id} note={note} />)}</ul>
          {notes.length > SHOWN && <p class="muted">{t('sync.and_more', { count: notes.length - SHOWN })}</p>}
        </>
      ) : (
        <p class="muted" data-testid="notes-none">{t('notes.none')}</p>
      )}
    </section>
  );
}

// Whether the browser keeps the app's storage, and a warning when the phone is running out of room.
function Storage() {
  useEffect(() => {
    checkSpace();
  }, []);
  const { persisted, low } = state.storage;
  return (
    <>
      {low && (
        <div class="banner warn" role="alert" data-testid="storage-low">
          <strong>{t('storage.low', { free: freeMegabytes() })}</strong>
          <span>{t('storage.low_lead')}</span>
        </div>
      )}
      {persisted === false && <p class="notice" data-testid="storage-not-kept">{t('storage.not_kept')}</p>}
      {persisted === true && <p class="muted small" data-testid="storage-kept">{t('storage.kept')}</p>}
    </>
  );
}

export function SyncScreen() {
  const mine = ownItems(state.session.userId);
  const waiting = mine.filter((i) => i.state === 'waiting');
  const rejected = mine.filter((i) => i.state === 'rejected');
  const conflicts = mine.filter((i) => i.state === 'conflict');
  const finals = mine.filter((i) => i.state === 'final');
  const stopped = mine.filter((i) => i.state === 'stopped');
  const others = state.leaving.filter((s) => ownItems(s.userId).length);
  const counts = { visit: 0, household: 0, group_session: 0 };
  for (const item of waiting) counts[item.kind] += 1;
  return (
    <section class="page">
      <h2>{t('sync.title')}</h2>
      <p data-testid="sync-status" data-last-sync={state.meta.lastSyncAt || ''} data-running={state.sync.running ? '1' : ''}>
        {state.sync.online ? t('sync.online') : t('sync.offline_long')}
        {' · '}
        {state.meta.lastSyncAt
          ? t('sync.last', { time: formatDateTime(state.meta.lastSyncAt) })
          : t('sync.never')}
      </p>
      {state.sync.error && state.sync.online && !state.sync.stopped && <p class="error">{t('sync.retrying')}</p>}
      {state.sync.stopped > 0 && (
        <p class="error" data-testid="sync-stopped">{t('sync.stopped', { count: state.sync.stopped || MAX_SYNC_TRIES })}</p>
      )}
      <button type="button" class="primary big" data-testid="sync-now" disabled={!state.sync.online || state.sync.running}
        onClick={() => (state.sync.stopped ? retrySync() : requestSync({ force: true }))}>
        {state.sync.running ? t('sync.running') : state.sync.stopped ? t('sync.retry') : t('sync.now')}
      </button>
      <Storage />
      <LeadNotes />
      {finals.length > 0 && (
        <>
          <h3>{t('sync.final_title')}</h3>
          <ul class="cards">{finals.map((item) => <Final key={item.key} item={item} />)}</ul>
        </>
      )}
      {stopped.length > 0 && (
        <>
          <h3>{t('sync.stopped_title')}</h3>
          <ul class="cards">{stopped.map((item) => <Stopped key={item.key} item={item} />)}</ul>
        </>
      )}
      <h3>{t('sync.waiting_title')}</h3>
      {waiting.length ? (
        <>
          <p data-testid="waiting-summary">
            {t('sync.waiting_summary', {
              visits: counts.visit,
              households: counts.household,
              sessions: counts.group_session,
            })}
          </p>
          <ul class="waiting">
            {waiting.slice(0, SHOWN).map((item) => <Waiting key={item.key} item={item} />)}
          </ul>
          {waiting.length > SHOWN && (
            <p class="muted" data-testid="waiting-more">{t('sync.and_more', { count: waiting.length - SHOWN })}</p>
          )}
        </>
      ) : (
        <p class="muted" data-testid="nothing-waiting">{t('sync.nothing_waiting')}</p>
      )}
      <Reviews />
      {conflicts.length > 0 && (
        <>
          <h3>{t('sync.conflicts_title')}</h3>
          <ul class="cards">{conflicts.map((item) => <Conflict key={item.key} item={item} />)}</ul>
        </>
      )}
      {rejected.length > 0 && (
        <>
          <h3>{t('sync.rejected_title')}</h3>
          <ul class="cards">{rejected.map((item) => <Rejected key={item.key} item={item} />)}</ul>
        </>
      )}
      {others.map((s) => (
        <p class="notice" key={s.userId}>
          {t('signin.leaving_kept', { count: ownItems(s.userId).length, user: s.username })}
        </p>
      ))}
    </section>
  );
}

// Fix a rejected item in the form it was made with; it keeps its id and goes back to the queue.
export function FixItem({ itemKey }) {
  const item = state.outbox.find((i) => i.key === itemKey);
  if (!item) {
    return (
      <section class="page">
        <p class="empty">{t('sync.fixed')}</p>
        <a class="button" href="#/sync">{t('common.back')}</a>
      </section>
    );
  }
  if (item.state === 'final') {
    return (
      <section class="page">
        <a class="back" href="#/sync">‹ {t('common.back')}</a>
        <ul class="cards"><Final item={item} /></ul>
      </section>
    );
  }
  const done = () => leaveForm('sync');
  const messages = item.state === 'rejected' ? Object.values(item.errors || {}).flat() : [];
  return (
    <section class="page">
      <a class="back" href="#/sync">‹ {t('common.back')}</a>
      <h2>{describe(item)}</h2>
      {item.state === 'waiting' && <p class="muted small">{t('sync.edit_lead')}</p>}
      {messages.map((message) => <p class="error" key={message}>{message}</p>)}
      {item.kind === 'visit' && (
        <VisitForm row={coachRow(item.body.household) || { id: item.body.household, missing: [] }} previous={item.body}
          onSaved={done} />
      )}
      {item.kind === 'household' && <HouseholdForm previous={item.body} onSaved={done} />}
      {item.kind === 'group_session' && <GroupForm previous={item.body} onSaved={done} />}
    </section>
  );
}
