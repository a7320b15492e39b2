// The service worker: the whole app is precached (Workbox), so it opens with no network; the UI strings
// are kept for both languages; the API is never cached (the app keeps its own data in IndexedDB).
import { clientsClaim } from 'workbox-core';
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { warmStrategyCache } from 'workbox-recipes';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { StaleWhileRevalidate } from 'workbox-strategies';

// The server varies its answers on Accept-Encoding (gzip copies) and Accept-Language; the browser adds
// those headers itself, so a cached copy would never match the page's request again. What is precached
// is exactly one version of each file: keep it without Vary.
const withoutVary = {
  cacheWillUpdate: async ({ response }) => {
    if (!response || !response.headers.has('Vary')) return response;
    const headers = new Headers(response.headers);
    headers.delete('Vary');
    return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
  },
};
addPlugins([withoutVary]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL('/app/index.html'), { allowlist: [/^\/app\/?$/, /^\/app\/index\.html$/] }));

const catalogues = new StaleWhileRevalidate({ cacheName: 'cnscd-i18n', plugins: [withoutVary] });
registerRoute(({ url }) => url.origin === self.location.origin && url.pathname.startsWith('/app/i18n/'), catalogues);
warmStrategyCache({ urls: ['/app/i18n/vi.json', '/app/i18n/en.json'], strategy: catalogues });

// The first install takes the open page at once; later versions wait for the volunteer (updates.js).
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});
clientsClaim();
