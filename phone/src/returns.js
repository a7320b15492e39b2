// The day a volunteer means to knock again on a door tried but not answered (not home, come back):
// chosen on the visit form, optional. The push API has no place for it (core/record_spec.VISIT_SPEC), so
// it stays on this phone, with the volunteer's drafts (forgotten at sign-out), one entry per household.
import { draftRead, draftWrite } from './store.js';

const NAME = 'returns';

export function returnDates() {
  return draftRead(NAME) || {};
}

export function returnDateOf(household) {
  const entry = returnDates()[household];
  return entry ? entry.on : '';
}

// `on` "YYYY-MM-DD", or '' to forget it (the door was answered, or the date taken away).
export function setReturnDate(household, on) {
  const all = returnDates();
  if (on) all[household] = { on, at: new Date().toISOString() };
  else delete all[household];
  draftWrite(NAME, Object.keys(all).length ? all : null);
}
