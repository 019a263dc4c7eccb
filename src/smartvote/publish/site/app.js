/* smartvote voter page. Verifies the Ed25519 signature of the manifest with the key in
 * this page, then the SHA-256 of a region's shard, and only then renders anything from it.
 * All data goes into the DOM as text (textContent), never as HTML. No cookies, no third
 * parties; the only thing remembered (localStorage) is the highest release seen, so that an
 * older release served later is refused. */
(function () {
  "use strict";

  var T = {
    ru: {
      skip: "Перейти к поиску участка",
      title: "Умное голосование",
      lead: "Найдите свой избирательный участок и узнайте, за кого голосовать в каждом округе вашего бюллетеня.",
      checking: "Проверяем подпись данных…",
      region: "Регион",
      chooseRegion: "— выберите регион —",
      query: "Номер участка или адрес",
      hint: "Например: 1234 или «Невский 28». Поиск идёт в вашем браузере: сервер не узнает, что вы искали.",
      find: "Найти",
      matches: "Найденные участки",
      key: "Ключ подписи",
      release: "выпуск",
      privacy: "Без регистрации, без cookies и без счётчиков. Эту страницу можно сохранить и переслать: она проверяет подпись сама.",
      verified: "Подпись проверена: выпуск {v} от {d}.",
      regionVerified: "Подпись и данные региона «{r}» проверены.",
      loadingRegion: "Загружаем и проверяем данные региона…",
      station: "Участок № {n}",
      voteFor: "Голосуйте за",
      noRec: "По этому округу рекомендации нет.",
      pStrong: "Вероятность, что это самый сильный кандидат против кандидата власти: {p} ({w}).",
      pWin: "Шанс победить, если сторонники проголосуют вместе: {p}.",
      alternatives: "Другие кандидаты",
      altLine: "{c}{party}: самый сильный с вероятностью {ps}, шанс победы {pw}",
      reasons: "Почему",
      race: "Округ № {n}",
      nothing: "Ничего не найдено. Проверьте номер участка или введите часть адреса.",
      more: "Показаны первые {k} из {n}. Уточните запрос.",
      unknownStation: "Участок {s} не найден в подписанных данных.",
      w: ["почти наверняка", "вероятно", "скорее да, чем нет", "неопределённо"],
      warnTitle: "Внимание: данные не прошли проверку, рекомендации не показаны.",
      e_signature: "Подпись не сходится. Эти данные могли быть подделаны — не доверяйте им и найдите другую копию (зеркало или офлайн-файл).",
      e_hash: "Данные региона не совпадают с подписанным списком. Их могли подменить — не доверяйте им.",
      e_version: "Это устаревший выпуск рекомендаций (выпуск {got}, а известен уже выпуск {want}). Найдите свежую копию.",
      e_election: "Эти подписанные данные относятся к другим выборам.",
      e_format: "Данные повреждены или имеют неизвестный формат.",
      e_fetch: "Не удалось загрузить данные. Попробуйте зеркало или офлайн-файл.",
      e_crypto: "Ваш браузер не умеет проверять подпись (Ed25519). Обновите браузер; без проверки рекомендации не показываются."
    },
    en: {
      skip: "Skip to station search",
      title: "Smart Voting",
      lead: "Find your polling station and see whom to vote for in every race on your ballot.",
      checking: "Checking the data signature…",
      region: "Region",
      chooseRegion: "— choose a region —",
      query: "Station number or address",
      hint: "For example 1234 or “Nevsky 28”. The search runs in your browser: the server never learns what you looked for.",
      find: "Find",
      matches: "Matching stations",
      key: "Signing key",
      release: "release",
      privacy: "No accounts, no cookies, no analytics. Save and forward this page: it checks the signature itself.",
      verified: "Signature verified: release {v} of {d}.",
      regionVerified: "Signature and data of region “{r}” verified.",
      loadingRegion: "Loading and checking the region's data…",
      station: "Station No. {n}",
      voteFor: "Vote for",
      noRec: "No recommendation for this race.",
      pStrong: "Probability that this is the strongest candidate against the regime's: {p} ({w}).",
      pWin: "Chance of winning if supporters vote together: {p}.",
      alternatives: "Other candidates",
      altLine: "{c}{party}: strongest with probability {ps}, chance of winning {pw}",
      reasons: "Why",
      race: "District No. {n}",
      nothing: "Nothing found. Check the station number or type part of the address.",
      more: "Showing the first {k} of {n}. Narrow the search.",
      unknownStation: "Station {s} is not in the signed data.",
      w: ["almost certainly", "likely", "more likely than not", "uncertain"],
      warnTitle: "Warning: the data failed verification; no recommendations are shown.",
      e_signature: "The signature does not match. This data may be forged — do not trust it; find another copy (a mirror or the offline file).",
      e_hash: "The region's data does not match the signed list. It may have been replaced — do not trust it.",
      e_version: "This is an outdated release (release {got}, but release {want} is already known). Find a fresh copy.",
      e_election: "This signed data belongs to a different election.",
      e_format: "The data is damaged or in an unknown format.",
      e_fetch: "Could not load the data. Try a mirror or the offline file.",
      e_crypto: "Your browser cannot verify the signature (Ed25519). Please update it; without verification no recommendations are shown."
    }
  };
  var MAX_MATCHES = 20;
  var lang = "ru";
  var S = { manifest: null, failed: null, regions: new Map(), region: null, station: null, results: null, status: null };

  function $(id) { return document.getElementById(id); }
  function meta(n) { var m = document.querySelector('meta[name="' + n + '"]'); return m ? m.getAttribute("content") || "" : ""; }
  function t(k, vars) {
    var s = T[lang][k];
    if (vars) { s = s.replace(/\{(\w+)\}/g, function (_, v) { return vars[v] === undefined ? "" : String(vars[v]); }); }
    return s;
  }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined && text !== null) { e.textContent = String(text); } if (cls) { e.className = cls; } return e; }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }

  function Fail(kind, vars) { this.kind = kind; this.vars = vars || {}; }

  function b64(s) {
    var bin = atob(String(s).trim()), a = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { a[i] = bin.charCodeAt(i); }
    return a;
  }
  function hex(buf) {
    var a = new Uint8Array(buf), s = "";
    for (var i = 0; i < a.length; i++) { s += (a[i] < 16 ? "0" : "") + a[i].toString(16); }
    return s;
  }
  function utf8(bytes) {
    try { return new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch (e) { throw new Fail("format"); }
  }
  function parse(bytes) {
    try { return JSON.parse(utf8(bytes)); } catch (e) { if (e instanceof Fail) { throw e; } throw new Fail("format"); }
  }
  function subtle() {
    if (!window.crypto || !window.crypto.subtle) { throw new Fail("crypto"); }
    return window.crypto.subtle;
  }
  function get(path) {
    return fetch(path, { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer", redirect: "error" })
      .then(function (r) { if (!r.ok) { throw new Fail("fetch"); } return r.arrayBuffer(); },
            function () { throw new Fail("fetch"); })
      .then(function (b) { return new Uint8Array(b); });
  }

  async function verifySignature(bytes, sig) {
    var key, sigBytes, ok;
    try { sigBytes = b64(sig); } catch (e) { throw new Fail("signature"); }
    try {
      key = await subtle().importKey("raw", b64(meta("smartvote-public-key")), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) { if (e instanceof Fail) { throw e; } throw new Fail("crypto"); }
    try { ok = await subtle().verify({ name: "Ed25519" }, key, sigBytes, bytes); } catch (e) { ok = false; }
    if (!ok) { throw new Fail("signature"); }
  }

  function versionKey() { return "smartvote:seen:" + meta("smartvote-public-key"); }
  function seenVersion() { try { return parseInt(window.localStorage.getItem(versionKey()) || "0", 10) || 0; } catch (e) { return 0; } }
  function rememberVersion(v) { try { if (v > seenVersion()) { window.localStorage.setItem(versionKey(), String(v)); } } catch (e) { /* storage off: fine */ } }

  async function loadManifest() {
    var bytes, sig;
    var inline = meta("smartvote-manifest");
    if (inline) {
      try { bytes = b64(inline); } catch (e) { throw new Fail("format"); }
      sig = meta("smartvote-signature");
    } else {
      var got = await Promise.all([get("manifest.json"), get("manifest.sig")]);
      bytes = got[0];
      sig = utf8(got[1]);
    }
    await verifySignature(bytes, sig);
    var m = parse(bytes);
    if (!m || m.format !== "smartvote-bundle/1" || !Array.isArray(m.regions) || typeof m.files !== "object") { throw new Fail("format"); }
    if (m.election !== meta("smartvote-election")) { throw new Fail("election"); }
    var want = Math.max(parseInt(meta("smartvote-min-version"), 10) || 0, seenVersion());
    if (!Number.isSafeInteger(m.version) || m.version < want) { throw new Fail("version", { got: m.version, want: want }); }
    rememberVersion(m.version);
    return m;
  }

  async function loadRegion(region) {
    if (S.regions.has(region.region)) { return S.regions.get(region.region); }
    var bytes, node = document.getElementById("sv-shard");
    if (node) { bytes = new TextEncoder().encode(node.textContent); } else { bytes = await get(region.shard); }
    var want = S.manifest.files[region.shard];
    var got = hex(await subtle().digest("SHA-256", bytes));
    if (typeof want !== "string" || got !== want) { throw new Fail("hash"); }
    var sh = parse(bytes);
    if (!sh || sh.format !== "smartvote-shard/1" || sh.election !== S.manifest.election ||
        sh.version !== S.manifest.version || sh.region !== region.region) { throw new Fail("format"); }
    var index = Object.keys(sh.stations).map(function (id) {
      var st = sh.stations[id];
      return { id: id, number: norm(st.number), addr: norm(st.address) };
    });
    var r = { meta: region, shard: sh, index: index };
    S.regions.set(region.region, r);
    return r;
  }

  function norm(s) { return String(s).normalize("NFC").toLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ").trim(); }

  function fail(err) {
    if (!(err instanceof Fail)) { err = new Fail("format"); }
    S.failed = err;
    S.station = null;
    S.results = null;
    ["search", "matches", "ballot"].forEach(function (id) { $(id).hidden = true; });
    clear($("races")); clear($("match-list")); clear($("ballot-title")); clear($("ballot-address"));
    $("status").hidden = true;
    renderWarning();
  }
  function renderWarning() {
    var w = $("warning");
    clear(w);
    if (!S.failed) { w.hidden = true; return; }
    w.appendChild(el("p", t("warnTitle")));
    w.appendChild(el("p", t("e_" + S.failed.kind, S.failed.vars)));
    w.hidden = false;
  }
  function setStatus(key, vars) {
    S.status = [key, vars];
    var s = $("status");
    s.textContent = t(key, vars);
    s.className = "status" + (key === "verified" || key === "regionVerified" ? " ok" : "");
  }

  function pct(p) {
    if (typeof p !== "number" || !isFinite(p)) { return "—"; }
    if (p > 0.99) { return "> 99%"; }
    if (p < 0.01) { return "< 1%"; }
    return Math.round(p * 100) + "%";
  }
  function words(p) { var w = T[lang].w; return p >= 0.9 ? w[0] : p >= 0.7 ? w[1] : p >= 0.5 ? w[2] : w[3]; }
  function raceLabel(id, rec) {
    if (rec && typeof rec.race_name === "string" && rec.race_name) { return rec.race_name; }
    var m = /\/smd\/([^/]+)$/.exec(id);
    return m ? t("race", { n: m[1] }) : id;
  }

  function renderBallot() {
    var box = $("ballot"), races = $("races");
    clear(races);
    if (S.failed || !S.station) { box.hidden = true; return; }
    var r = S.regions.get(S.station.region), st = r.shard.stations[S.station.id];
    $("ballot-title").textContent = t("station", { n: st.number });
    $("ballot-address").textContent = st.address;
    st.races.forEach(function (raceId) {
      var rec = r.shard.races[raceId] || null;
      var art = el("article", null, "race");
      art.appendChild(el("h3", raceLabel(raceId, rec)));
      art.appendChild(el("p", raceId, "raceid"));
      if (!rec || !rec.endorsed) { art.appendChild(el("p", t("noRec"))); races.appendChild(art); return; }
      var pick = el("p", null, "pick");
      pick.appendChild(el("span", t("voteFor") + ": "));
      pick.appendChild(el("strong", rec.endorsed, "endorsed"));
      if (rec.party) { pick.appendChild(el("span", " (" + rec.party + ")", "party")); }
      art.appendChild(pick);
      if (typeof rec.p_strongest === "number") { art.appendChild(el("p", t("pStrong", { p: pct(rec.p_strongest), w: words(rec.p_strongest) }))); }
      if (typeof rec.p_win === "number") { art.appendChild(el("p", t("pWin", { p: pct(rec.p_win) }))); }
      if (Array.isArray(rec.alternatives) && rec.alternatives.length) {
        var d = el("details"), ol = el("ol");
        d.appendChild(el("summary", t("alternatives")));
        rec.alternatives.forEach(function (a) {
          if (!a || typeof a !== "object") { return; }
          ol.appendChild(el("li", t("altLine", { c: a.candidate, party: a.party ? " (" + a.party + ")" : "", ps: pct(a.p_strongest), pw: pct(a.p_win) })));
        });
        d.appendChild(ol);
        art.appendChild(d);
      }
      if (Array.isArray(rec.reasons) && rec.reasons.length) {
        art.appendChild(el("h4", t("reasons")));
        var ul = el("ul");
        rec.reasons.forEach(function (x) { ul.appendChild(el("li", x)); });
        art.appendChild(ul);
      }
      races.appendChild(art);
    });
    box.hidden = false;
  }

  function renderMatches() {
    var box = $("matches"), list = $("match-list");
    clear(list);
    if (S.failed || !S.results) { box.hidden = true; return; }
    var res = S.results;
    if (res.notFound) {
      list.appendChild(el("li", res.notFound === true ? t("nothing") : t("unknownStation", { s: res.notFound })));
    }
    res.items.forEach(function (it) {
      var li = el("li"), b = el("button", t("station", { n: it.number }) + " — " + it.address);
      b.type = "button";
      b.addEventListener("click", function () { show(it.region, it.id, true); });
      li.appendChild(b);
      list.appendChild(li);
    });
    if (res.total > res.items.length) { list.appendChild(el("li", t("more", { k: res.items.length, n: res.total }))); }
    box.hidden = false;
  }

  function renderAll() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (e) { e.textContent = t(e.getAttribute("data-i18n")); });
    var b = $("lang");
    b.textContent = lang === "ru" ? "English" : "Русский";
    b.setAttribute("lang", lang === "ru" ? "en" : "ru");
    var opt0 = $("region").querySelector("option[value='']");
    if (opt0) { opt0.textContent = t("chooseRegion"); }
    if (S.status && !S.failed) { setStatus(S.status[0], S.status[1]); }
    renderWarning();
    renderMatches();
    renderBallot();
  }

  function search(q) {
    var r = S.regions.get(S.region), out = [], total = 0;
    q = norm(q).replace(/^(уик|уч(асток|\.)?|№|no\.?|#)\s*/, "").replace(/^№\s*/, "");
    if (!q) { return null; }
    var exact = r.index.filter(function (s) { return s.number === q || norm(s.id) === q; });
    var hits = exact.length ? exact : r.index.filter(function (s) {
      return q.split(/[\s,]+/).every(function (tok) { return !tok || s.addr.indexOf(tok) >= 0; });
    });
    total = hits.length;
    hits.slice(0, MAX_MATCHES).forEach(function (s) {
      var st = r.shard.stations[s.id];
      out.push({ region: S.region, id: s.id, number: st.number, address: st.address });
    });
    return { items: out, total: total, notFound: total ? null : true };
  }

  async function selectRegion(name) {
    S.region = name || null;
    S.station = null; S.results = null;
    renderMatches(); renderBallot();
    if (!name) { return; }
    var region = S.manifest.regions.find(function (x) { return x.region === name; });
    setStatus("loadingRegion");
    await loadRegion(region);
    setStatus("regionVerified", { r: name });
  }

  async function show(regionName, id, push) {
    if (S.region !== regionName) { $("region").value = regionName; await selectRegion(regionName); }
    S.station = { region: regionName, id: id };
    S.results = null;
    renderMatches();
    renderBallot();
    if (push) { history.replaceState(null, "", "#station=" + encodeURIComponent(id).replace(/%2F/g, "/")); }
    $("ballot").focus();
  }

  async function fromFragment() {
    var m = /(?:^#|&)station=([^&]*)/.exec(location.hash);
    if (!m) { return; }
    var id;
    try { id = decodeURIComponent(m[1]); } catch (e) { return; }
    var prefix = id.split("/")[0];
    var same = S.manifest.regions.filter(function (x) { return x.region === prefix; });
    var regions = same.length ? same : S.manifest.regions;
    for (var i = 0; i < regions.length; i++) {
      var r = await loadRegion(regions[i]);
      if (Object.prototype.hasOwnProperty.call(r.shard.stations, id)) { await show(regions[i].region, id, false); return; }
    }
    S.results = { items: [], total: 0, notFound: id };
    renderMatches();
  }

  function guard(fn) { return function () { return Promise.resolve(fn.apply(null, arguments)).catch(fail); }; }

  async function start() {
    $("lang").addEventListener("click", function () { lang = lang === "ru" ? "en" : "ru"; renderAll(); });
    setStatus("checking");
    S.manifest = await loadManifest();
    $("version").textContent = String(S.manifest.version);
    setStatus("verified", { v: S.manifest.version, d: String(S.manifest.created).slice(0, 10) });
    var sel = $("region");
    var regions = S.manifest.regions;
    if (meta("smartvote-mode") === "offline") {
      var node = document.getElementById("sv-shard");
      var name = node ? parse(new TextEncoder().encode(node.textContent)).region : null;
      regions = regions.filter(function (r) { return r.region === name; });
      if (!regions.length) { throw new Fail("format"); }
      S.manifest = Object.assign({}, S.manifest, { regions: regions });
    }
    if (regions.length > 1) { var o = el("option", t("chooseRegion")); o.value = ""; sel.appendChild(o); }
    regions.forEach(function (r) { var o = el("option", r.region); o.value = r.region; sel.appendChild(o); });
    if (regions.length === 1) { $("region-field").hidden = true; await selectRegion(regions[0].region); }
    sel.addEventListener("change", guard(function () { return selectRegion(sel.value); }));
    $("search").addEventListener("submit", guard(function (ev) {
      ev.preventDefault();
      if (!S.region) { sel.focus(); return; }
      S.station = null;
      S.results = search($("q").value);
      renderBallot();
      renderMatches();
    }));
    window.addEventListener("hashchange", guard(fromFragment));
    $("search").hidden = false;
    await fromFragment();
  }

  function boot() { guard(start)(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", boot); } else { boot(); }
})();
