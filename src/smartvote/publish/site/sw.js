/* smartvote service worker: lets a voter reopen the page without a network.
 * Shards are fetched as data/NNN.json?h=SHA256 (the hash from the signed manifest), so a
 * cached shard is served only under the hash it must have; the page re-checks it anyway
 * and deletes a cached copy that fails. The page, its script and style are served from the
 * cache at once and refreshed in the background; manifest.json and manifest.sig come from
 * the network when it answers within 0.8 s, else from the last copy seen (and the network's
 * answer, when it comes, replaces it for the next visit). The page checks
 * the signature and the version of whatever it gets: the cache cannot make it show
 * unverified or older data than the voter has already seen. Nothing is sent anywhere. */
"use strict";
var CACHE = "smartvote-v1";
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
function timeout(ms) { return new Promise(function (_, reject) { setTimeout(function () { reject(new Error("timeout")); }, ms); }); }

self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url), scope = new URL(self.registration.scope);
  if (req.method !== "GET" || url.origin !== scope.origin || url.pathname.indexOf(scope.pathname) !== 0) { return; }
  if (req.cache === "no-store" || req.cache === "reload") { return; }  // the page asks for the network
  var rel = url.pathname.slice(scope.pathname.length);
  if (rel.indexOf("api/") === 0 || rel.indexOf("offline/") === 0) { return; }
  if (url.searchParams.has("h")) {  // content-addressed: cache first
    e.respondWith(caches.match(req).then(function (hit) { return hit || fromNetwork(req); }));
    return;
  }
  if (FRESH.indexOf(rel) >= 0) {  // network first, short timeout, then the last copy
    var net = fromNetwork(req);
    e.respondWith(Promise.race([net, timeout(800)]).catch(function () {
      return caches.match(req).then(function (hit) { return hit || net; });
    }));
    return;
  }
  var key = rel === "" ? new Request(scope.href + "index.html") : req;  // the page: stale while revalidate
  e.respondWith(caches.match(key).then(function (hit) {
    var net = fetch(req).then(function (res) { return put(key, res); });
    if (hit) { net.catch(function () { /* offline */ }); return hit; }
    return net;
  }));
});
