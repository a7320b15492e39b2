// The service worker: the whole app is precached (Workbox), so it opens with no network; the UI strings
// are kept for both languages; the API is never cached (the app keeps its own data in IndexedDB).
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { warmStrategyCache } from 'workbox-recipes';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { StaleWhileRevalidate } from 'workbox-strategies';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL('/app/index.html'), { allowlist: [/^\/app\/?$/, /^\/app\/index\.html$/] }));

// The files above carry WhiteNoise's Vary: Accept-Encoding, which never gets in the way: the precache
// stores and looks up its own requests, and the browser adds Accept-Encoding out of their sight. The
// strings are a Django view (Vary: Accept-Language from the locale middleware) named by their language:
// any copy answers.
const catalogues = new StaleWhileRevalidate({ cacheName: 'cnscd-i18n', matchOptions: { ignoreVary: true } });
registerRoute(({ url }) => url.origin === self.location.origin && url.pathname.startsWith('/app/i18n/'), catalogues);
warmStrategyCache({ urls: ['/app/i18n/vi.json', '/app/i18n/en.json'], strategy: catalogues });

// The first install takes the open page at once; later versions wait for the volunteer (updates.js).
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});
clientsClaim();
