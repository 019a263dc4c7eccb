/* smartvote service worker: a repeat visit shows the last verified release at once, and the
 * page reopens without a network. It only reads the cache; the page writes to it, and only
 * what it has verified:
 * - manifest.json and manifest.sig: the last pair the page verified (signature, election,
 *   version), cache first. After the first answer is on screen the page asks the network for
 *   a newer release itself (marked x-smartvote-fresh, which this worker lets through), verifies it
 *   and the shards in use, and only then shows and saves it.
 * - shards, fetched as data/NNN.json?h=SHA256 (the hash from the signed manifest): saved by
 *   the page after their hash matched; cache first. The page re-checks them anyway, drops a
 *   cached copy that fails and asks the network.
 * - the page, its script and style: saved by the page when their SHA-256 matches the hashes
 *   in the manifest it verified, so the page a voter gets from the cache always belongs to
 *   the saved release (its minimum version and key), never to an unverified newer one.
 * Other files (print pages): from the cache at once, refreshed in the background.
 * The page checks the signature and the version of whatever it gets: the cache cannot make it
 * show unverified or older data than the voter has already seen. Nothing is sent anywhere. */
"use strict";
var CACHE = "smartvote-v1";
var PAIR = ["manifest.json", "manifest.sig"];
var SHELL = ["index.html", "app.js", "style.css"];

function put(req, res) {
  if (res && res.ok && res.type === "basic") {
    var copy = res.clone();
    caches.open(CACHE).then(function (c) { return c.put(req, copy); });
  }
  return res;
}
function cacheFirst(req) { return caches.match(req).then(function (hit) { return hit || fetch(req); }); }

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url), scope = new URL(self.registration.scope);
  if (req.method !== "GET" || url.origin !== scope.origin || url.pathname.indexOf(scope.pathname) !== 0) { return; }
  if (req.cache === "no-store" || req.cache === "reload" || req.headers.has("x-smartvote-fresh")) { return; }  // the page asks for the network
  var rel = url.pathname.slice(scope.pathname.length);
  if (rel.indexOf("api/") === 0 || rel.indexOf("offline/") === 0) { return; }
  if (url.searchParams.has("h") || PAIR.indexOf(rel) >= 0 || SHELL.indexOf(rel) >= 0) {
    e.respondWith(cacheFirst(req));
    return;
  }
  if (rel === "") {  // the page under its folder's name
    e.respondWith(caches.match(scope.href + "index.html").then(function (hit) { return hit || fetch(req); }));
    return;
  }
  e.respondWith(caches.match(req).then(function (hit) {  // stale while revalidate
    var net = fetch(req).then(function (res) { return put(req, res); });
    if (hit) { net.catch(function () { /* offline */ }); return hit; }
    return net;
  }));
});
