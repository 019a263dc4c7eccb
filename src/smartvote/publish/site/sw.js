/* smartvote service worker: lets a voter reopen the page without a network, and a repeat
 * visit paint without waiting for it (a slow-3G round trip is 0.4 s or more).
 * Shards are fetched as data/NNN.json?h=SHA256 (the hash from the signed manifest), so a
 * cached shard is served only under the hash it must have; the page re-checks it anyway
 * and deletes a cached copy that fails. manifest.json and manifest.sig are served from the
 * worker's last copy, at once; the page then asks the network (cache: no-cache,
 * past this worker) for a newer release, verifies it, stores it here and reloads when
 * there is one. The page, its script and style are served from the cache at once and
 * refreshed in the background. The page checks the signature and the version of whatever
 * it gets: the cache cannot make it show unverified data, nor a release older than one the
 * voter has already seen. Nothing is sent anywhere. */
"use strict";
var CACHE = "smartvote-v1";  // app.js names the same cache
var FRESH = ["manifest.json", "manifest.sig"];

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

function put(req, res) {
  if (res && res.ok && res.type === "basic") {
    var copy = res.clone();
    caches.open(CACHE).then(function (c) { return c.put(req, copy); });
  }
  return res;
}
function fromNetwork(req) { return fetch(req).then(function (res) { return put(req, res); }); }

self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url), scope = new URL(self.registration.scope);
  if (req.method !== "GET" || url.origin !== scope.origin || url.pathname.indexOf(scope.pathname) !== 0) { return; }
  if (req.cache === "no-store" || req.cache === "reload") { return; }  // the page asks for the network
  var rel = url.pathname.slice(scope.pathname.length);
  if (rel.indexOf("api/") === 0 || rel.indexOf("offline/") === 0) { return; }
  if (FRESH.indexOf(rel) >= 0 && req.cache === "no-cache") { return; }  // the page's release check
  if (url.searchParams.has("h") || FRESH.indexOf(rel) >= 0) {
    // content-addressed, or the release the page verified (it checks for a newer one after
    // painting): cache first, no round trip
    e.respondWith(caches.match(req).then(function (hit) { return hit || fromNetwork(req); }));
    return;
  }
  var key = rel === "" ? new Request(scope.href + "index.html") : req;  // the page: stale while revalidate
  e.respondWith(caches.match(key).then(function (hit) {
    var net = fetch(req).then(function (res) { return put(key, res); });
    if (hit) { net.catch(function () { /* offline */ }); return hit; }
    return net;
  }));
});
