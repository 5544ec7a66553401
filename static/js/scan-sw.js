// Przystań: the scan page's service worker, served as /scan/sw.js (scope /scan/) by
// logistics.vouchers.scan_controllers, which replaces VERSION below with a hash of this file and of the static files
// it lists, so a deploy that changes any of them installs a fresh cache and drops the old one.
//
// 1. Precaches the scan page's static files (scripts, styles, the icon, the camera decoder and its wasm) at install;
//    they are answered cache-first from the cache of this version.
// 2. Navigations under /scan/ are network-first with a 3 s timeout, falling back to the page as last fetched while
//    online (the scan page of each point visited, kept in a cache of its own). /scan and /scan/ offline open the
//    point visited last.
// 3. A page asks for its own URL to be kept ({type: "cache-page", path}): its first visit was not yet served by
//    this worker. The answer ({cached: true|false}) comes back on the message's port.
// Everything else (the API, form posts, other pages) is left to the network untouched.
"use strict";

const VERSION = "dev";
const STATIC_CACHE = `przystan-scan-static-${VERSION}`;
const PAGES_CACHE = "przystan-scan-pages";
const LAST_PAGE = "/scan/last-page"; // a small entry in PAGES_CACHE: the path of the point page visited last
const NAVIGATION_TIMEOUT_MS = 3000;
const SCAN_PAGE = /^\/scan\/[0-9a-fA-F-]{36}$/;

const STATIC_FILES = [
  "/static/js/scan.js",
  "/static/js/scan-offline.js",
  "/static/js/app.js",
  "/static/vendor/htmx.min.js",
  "/static/css/app.css",
  "/static/css/scan-offline.css",
  "/static/img/icon.svg",
  "/static/img/icon-192.png",
  "/static/vendor/barcode-detector/ponyfill.js",
  "/static/vendor/barcode-detector/zxing-exported.js",
  "/static/vendor/barcode-detector/zxing_reader.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(STATIC_CACHE);
      // Past the browser's HTTP cache: the files of this version, not an older copy.
      await cache.addAll(STATIC_FILES.map((path) => new Request(path, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("przystan-scan-static-") && name !== STATIC_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

// Pages being written to the cache, by path: a page asking to be kept right after its navigation waits for it.
const pending = new Map();

function keepPage(path, response) {
  const work = (async () => {
    const cache = await caches.open(PAGES_CACHE);
    await cache.put(path, response);
    await cache.put(LAST_PAGE, new Response(path, { headers: { "Content-Type": "text/plain" } }));
  })();
  pending.set(path, work);
  work.finally(() => {
    if (pending.get(path) === work) pending.delete(path);
  });
  return work;
}

// Only a real scan page: a sign-in page we were redirected to, or an error page, is never kept.
function keepable(path, response) {
  return SCAN_PAGE.test(path) && response.ok && response.type === "basic" && !response.redirected;
}

function timeout(ms) {
  return new Promise((_resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function cachedPage(path) {
  const cache = await caches.open(PAGES_CACHE);
  if (SCAN_PAGE.test(path)) return cache.match(path, { ignoreSearch: true, ignoreVary: true });
  if (path === "/scan/" || path === "/scan") {
    const last = await cache.match(LAST_PAGE);
    if (last) return Response.redirect(await last.text(), 302);
  }
  return undefined;
}

async function navigate(event) {
  const path = new URL(event.request.url).pathname;
  const network = fetch(event.request);
  try {
    const response = await Promise.race([network, timeout(NAVIGATION_TIMEOUT_MS)]);
    if (keepable(path, response)) event.waitUntil(keepPage(path, response.clone()));
    return response;
  } catch (_) {
    // A slow answer still refreshes the kept page when it comes (its CSRF token, its texts), for the next time.
    event.waitUntil(
      network.then((late) => (keepable(path, late) ? keepPage(path, late.clone()) : undefined)).catch(() => {}),
    );
    const cached = await cachedPage(path);
    if (cached) return cached;
    return network; // nothing kept: wait for the network after all (it may only be slow), or fail as the browser does
  }
}

async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(new URL(request.url).pathname);
  return hit || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname === "/scan" || url.pathname.startsWith("/scan/")) event.respondWith(navigate(event));
    return;
  }
  if (!url.search && STATIC_FILES.includes(url.pathname)) event.respondWith(staticFile(request));
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  if (data.type !== "cache-page" || typeof data.path !== "string" || !SCAN_PAGE.test(data.path)) return;
  event.waitUntil(
    (async () => {
      let cached = false;
      try {
        if (pending.has(data.path)) await pending.get(data.path);
        const cache = await caches.open(PAGES_CACHE);
        if (data.fresh || !(await cache.match(data.path))) {
          const response = await fetch(data.path, { credentials: "same-origin", cache: "no-store" });
          if (keepable(data.path, response)) await keepPage(data.path, response);
        } else {
          await cache.put(LAST_PAGE, new Response(data.path, { headers: { "Content-Type": "text/plain" } }));
        }
        cached = Boolean(await cache.match(data.path));
      } catch (_) {
        cached = false;
      }
      if (port) port.postMessage({ cached });
    })(),
  );
});
