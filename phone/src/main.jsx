// Boot: the UI strings and the device's data first (both local after the first visit), then the screen,
// then the service worker and the sync loop.
import { render } from 'preact';
import { App } from './app.jsx';
import { loadCatalogue, storedLang } from './i18n.js';
import { load, state } from './store.js';
import { checkSpace, keepStorage } from './storage.js';
import { startSync } from './sync.js';
import { registerWorker } from './updates.js';
import './styles.css';

async function boot() {
  const root = document.getElementById('app');
  try {
    await Promise.all([loadCatalogue(storedLang()).catch(() => loadCatalogue('vi')), load()]);
  } catch (error) {
    root.textContent = `Không mở được ứng dụng / The app could not open: ${error.message || error}`;
    throw error;
  }
  performance.mark('data-loaded');
  root.textContent = '';
  render(<App />, root);
  performance.mark('app-ready');
  document.body.dataset.ready = '1';
  registerWorker();
  startSync();
  // Keeping the queue through a phone short of space (storage.js): asked once someone has signed in.
  if (state.session) keepStorage();
  checkSpace();
}

boot();
