// The course site's service worker: it keeps what a page needs, so that a second visit starts
// quickly and the course works without a connection once it has been opened.
// - Python in the browser and the course's Python (files whose names change when they change)
//   are taken from the browser's store first; the runtime's store outlives new builds of the site.
// - Pages, styles and scripts are fetched fresh when the site can be reached, and kept for when
//   it cannot.
const BUILD = "__BUILD__";
const RUNTIME_CACHE = "secure-base-runtime-__PYODIDE__";
const SITE_CACHE = `secure-base-site-${BUILD}`;
const LASTING = /\/(pyodide\/[^/]+\/[^/]+|python\/course-[0-9a-f]+\.zip)$/;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("secure-base-") && name !== RUNTIME_CACHE && name !== SITE_CACHE) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

async function lasting(request) {
  const cache = await caches.open(cacheFor(request));
  const kept = await cache.match(request);
  if (kept) { return kept; }
  const response = await fetch(request);
  if (response.ok) { await cache.put(request, response.clone()); }
  return response;
}

function cacheFor(request) {
  return new URL(request.url).pathname.includes("/pyodide/") ? RUNTIME_CACHE : SITE_CACHE;
}

async function fresh(request) {
  const cache = await caches.open(SITE_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) { await cache.put(request, response.clone()); }
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) { return kept; }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  event.respondWith(LASTING.test(url.pathname) ? lasting(event.request) : fresh(event.request));
});
