// A group session at the village hall (counted by attendance), and the handbook: every service's
// step-by-step guide, readable offline.
import { useRef, useState } from 'preact/hooks';
import { saveGroupSession } from './actions.js';
import { Guide, useGps } from './households.jsx';
import { fromInputValue, toInputValue } from './ids.js';
import { formatDate, t } from './i18n.js';
import { checkSession, limit, showFirstError } from './rules.js';
import { state } from './store.js';
import { FieldError, Stepper, leaveForm, toast } from './ui.jsx';

export function GroupForm({ previous, onSaved }) {
  const [village, setVillage] = useState(previous ? previous.village : state.villages[0]?.code || '');
  const [heldAt, setHeldAt] = useState(toInputValue(previous ? previous.held_at : null));
  const [services, setServices] = useState(new Set(previous ? previous.services : []));
  const [attendees, setAttendees] = useState(previous ? previous.attendees : 10);
  const [errors, setErrors] = useState({});
  const form = useRef(null);
  useGps();

  function toggle(code) {
    const next = new Set(services);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    setServices(next);
  }

  async function submit(event) {
    event.preventDefault();
    const values = { village, held_at: heldAt ? fromInputValue(heldAt) : null, services: [...services], attendees };
    const refused = checkSession(values);
    setErrors(refused);
    if (Object.keys(refused).length) return showFirstError(form.current, refused);
    await saveGroupSession({ previous, ...values });
    toast(t('group.saved'));
    if (onSaved) onSaved();
    else leaveForm('');
  }

  return (
    <section class="page">
      <h2>{t('group.title')}</h2>
      <p class="muted small">{t('group.lead')}</p>
      <form class="stack" onSubmit={submit} ref={form} noValidate>
        <label data-field="village">
          {t('household.village')}
          <select name="village" value={village} onChange={(e) => setVillage(e.currentTarget.value)}>
            {state.villages.map((v) => <option key={v.code} value={v.code}>{v.name}</option>)}
          </select>
          <FieldError errors={errors} field="village" />
        </label>
        <label data-field="held_at">
          {t('group.held_at')}
          <input type="datetime-local" name="held_at" value={heldAt} aria-invalid={Boolean(errors.held_at)}
            onInput={(e) => { setHeldAt(e.currentTarget.value); setErrors(({ held_at: _, ...rest }) => rest); }} />
          {heldAt && <span class="muted small" data-testid="held-at-shown">{formatDate(heldAt)} {heldAt.slice(11, 16)}</span>}
          <FieldError errors={errors} field="held_at" />
        </label>
        <label class="inline" data-field="attendees">
          {t('group.attendees')}
          <Stepper name="attendees" value={attendees} min={limit('session', 'attendees', 'min', 1)}
            max={limit('session', 'attendees', 'max', Infinity)} label={t('group.attendees')} onChange={setAttendees} />
          <FieldError errors={errors} field="attendees" />
        </label>
        <div data-field="services">
          <h3>{t('group.services')}</h3>
          <FieldError errors={errors} field="services" />
          <ul class="services">
            {state.services.map((service) => (
              <li key={service.code} class={services.has(service.code) ? 'on' : ''}>
                <button type="button" class="service" aria-pressed={services.has(service.code)} data-service={service.code}
                  onClick={() => toggle(service.code)}>
                  <span class="tick" aria-hidden="true">{services.has(service.code) ? '✓' : '+'}</span>
                  <span>{service.name}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
        <button type="submit" class="primary big sticky" data-testid="save-group">{t('group.save')}</button>
      </form>
    </section>
  );
}

export function Handbook() {
  const categories = new Map();
  for (const service of state.services) {
    const list = categories.get(service.category) || [];
    list.push(service);
    categories.set(service.category, list);
  }
  return (
    <section class="page">
      <h2>{t('guide.title')}</h2>
      <p class="muted small">{t('guide.lead')}</p>
      {!state.services.length && <p class="empty">{t('list.first_sync')}</p>}
      {[...categories].map(([category, services]) => (
        <div key={category}>
          <h3>{category}</h3>
          {services.map((service) => <Guide key={service.code} code={service.code} />)}
        </div>
      ))}
    </section>
  );
}
