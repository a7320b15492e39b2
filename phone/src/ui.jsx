// Small pieces every screen uses.

// The routes this tab went through, as far as the app can tell (a step back pops one).
const trail = [location.hash.replace(/^#\/?/, '')];
window.addEventListener('hashchange', () => {
  const route = location.hash.replace(/^#\/?/, '');
  if (trail.length > 1 && trail[trail.length - 2] === route) trail.pop();
  else trail.push(route);
});

export function go(path) {
  location.hash = `#/${path}`;
}

// After a save: leave the form without leaving it in the history, so Android's back button leads to
// where the volunteer was before, never to the form again (blank, inviting a second save). Back to the
// screen the form was opened from is a step back; anywhere else replaces the form's entry.
export function leaveForm(path) {
  if (trail.length > 1 && trail[trail.length - 2] === path) history.back();
  else {
    trail.pop();
    location.replace(`#/${path}`);
  }
}

export function Icon({ name }) {
  const paths = {
    home: 'M12 3 2 12h3v8h5v-5h4v5h5v-8h3z',
    group: 'M8 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm8 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 19c0-3 3-5 6-5s6 2 6 5zm12 0c0-1.5-.5-2.8-1.4-3.8 1-.8 2.2-1.2 3.4-1.2 3 0 6 2 6 5z',
    sync: 'M12 4V1L7 6l5 5V7a5 5 0 0 1 5 5h3a8 8 0 0 0-8-8zm0 13a5 5 0 0 1-5-5H4a8 8 0 0 0 8 8v3l5-5-5-5z',
    book: 'M4 3h7a3 3 0 0 1 3 3v15a2 2 0 0 0-2-2H4zm16 0h-4a3 3 0 0 0-1 .2V21a2 2 0 0 1 2-2h3z',
    user: 'M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4 0-8 2-8 5v2h16v-2c0-3-4-5-8-5z',
  };
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d={paths[name]} />
    </svg>
  );
}

// A short message after a save ("Đã lưu, chờ gửi"), shown for a few seconds.
const toastListeners = new Set();
export const toastState = { text: '' };
let toastTimer = null;

export function toast(text) {
  toastState.text = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toastState.text = '';
    for (const listener of toastListeners) listener();
  }, 2500);
  for (const listener of toastListeners) listener();
}

export function dismissToast() {
  clearTimeout(toastTimer);
  toastState.text = '';
  for (const listener of toastListeners) listener();
}

export function onToast(listener) {
  toastListeners.add(listener);
  return () => toastListeners.delete(listener);
}

// − n + with big targets; typing works too.
export function Stepper({ value, onChange, min, max, label, name }) {
  const clamp = (n) => Math.max(min, Math.min(max, Number.isFinite(n) ? n : min));
  return (
    <div class="stepper" role="group" aria-label={label}>
      <button type="button" aria-label={`${label} −`} onClick={() => onChange(clamp(value - 1))} disabled={value <= min}>−</button>
      <input name={name} inputMode="numeric" pattern="[0-9]*" value={value} aria-label={label}
        onInput={(e) => {
          const digits = e.currentTarget.value.replace(/\D/g, '');
          if (digits) onChange(clamp(Number(digits)));
        }} />
      <button type="button" aria-label={`${label} +`} onClick={() => onChange(clamp(value + 1))} disabled={value >= max}>+</button>
    </div>
  );
}

// A refused value's message, beside its field (rules.js), read out when it appears.
export function FieldError({ errors, field }) {
  const message = errors && errors[field];
  return message ? <span class="error note" role="alert" data-testid={`error-${field}`}>{message}</span> : null;
}
