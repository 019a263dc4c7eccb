/* smartvote voter page. Verifies the Ed25519 signature of the manifest with the key in
 * this page, then the SHA-256 of a region's shard, and only then renders anything from it.
 * All data goes into the DOM as text (textContent), never as HTML. No cookies, no third
 * parties. Remembered in localStorage (never sent anywhere): the highest release seen, so
 * that an older release served later is refused; and, only when the voter asks, the keys
 * (as six words) the voter has seen and checked, so that a page signed by another key
 * says so instead of "verified". */
(function () {
  "use strict";

  /* The key's fingerprint words: the same list as smartvote/publish/keywords.py. */
  var WORDS = [
    "адрес", "акула", "альбом", "ананас", "арбуз", "арка", "астра", "аист", "багаж", "балкон", "банан",
    "бархат", "башня", "берег", "береза", "бобер", "болото", "борщ", "бревно", "бульон", "бусы", "вагон",
    "ванна", "ведро", "веник", "ветер", "вилка", "вишня", "вокзал", "волна", "ворона", "ворота", "вулкан",
    "газета", "гвоздь", "гитара", "глобус", "гнездо", "голубь", "гора", "горох", "гриб", "груша", "гусь",
    "дверь", "диван", "дождь", "домик", "дорога", "дракон", "дуб", "дыня", "енот", "жираф", "жук", "журавль",
    "забор", "завод", "закат", "замок", "заяц", "звезда", "зебра", "зеркало", "зонт", "изюм", "иней",
    "индюк", "кабачок", "кактус", "камень", "канат", "капуста", "карета", "каша", "кедр", "кенгуру",
    "кирпич", "кисель", "клевер", "ключ", "книга", "ковер", "колесо", "колокол", "комар", "компас",
    "конверт", "корабль", "корова", "коршун", "кот", "кофе", "кошелек", "кран", "кролик", "крыша", "кувшин",
    "лампа", "ландыш", "лебедь", "лев", "лента", "лимон", "липа", "лиса", "лодка", "ложка", "лось", "луна",
    "лыжи", "магнит", "малина", "марка", "маяк", "медведь", "метла", "мешок", "молоко", "морковь", "мост",
    "мотылек", "муравей", "мыло", "мяч", "небо", "носорог", "облако", "овраг", "огурец", "озеро", "окно",
    "олень", "орех", "оса", "осень", "остров", "павлин", "паровоз", "парус", "пень", "перо", "песок",
    "петух", "пирог", "письмо", "пчела", "пингвин", "планета", "платок", "пляж", "подушка", "поезд", "полка",
    "помидор", "пруд", "птица", "пустыня", "радуга", "ракета", "ракушка", "река", "репа", "рыба", "ручей",
    "рюкзак", "сад", "самовар", "сапог", "свеча", "север", "сено", "сирень", "скрипка", "слива", "слон",
    "снег", "собака", "сова", "солнце", "сорока", "стакан", "стол", "страус", "сундук", "сыр", "тарелка",
    "театр", "телефон", "тигр", "тополь", "трамвай", "трактор", "труба", "тыква", "улей", "улитка", "утка",
    "утюг", "фазан", "фонарь", "фонтан", "футбол", "хлеб", "хомяк", "цветок", "цирк", "чайка", "чайник",
    "часы", "черника", "чернила", "шар", "шляпа", "шкаф", "шишка", "шоколад", "щенок", "щука", "юла",
    "яблоко", "ягода", "якорь", "ящерица", "ястреб", "январь", "кисть", "гроза", "туман", "ураган",
    "залив", "пролив", "поляна", "ладья", "пешка", "ферзь", "глина", "мрамор", "янтарь", "гранит", "сокол",
    "филин", "дятел", "кукушка", "свирель", "синица", "цапля", "пеликан", "краб", "омар", "кит", "тюлень",
    "морж", "барсук", "куница", "белка"
  ];

  var T = {
    ru: {
      skip: "Перейти к поиску участка",
      title: "Умное голосование",
      lead: "Найдите свой избирательный участок и узнайте, за кого голосовать в каждом округе вашего бюллетеня.",
      checking: "Проверяем подпись данных…",
      region: "Регион",
      chooseRegion: "— выберите регион —",
      number: "Номер участка",
      numberHint: "Если знаете номер участка (например, 1004), введите его: регион выбирать не нужно.",
      query: "Или адрес вашего дома",
      hint: "Например: «Наличная 32 к2» или «пр. Ветеранов, д. 87». Поиск идёт в вашем браузере: сервер не узнает, что вы искали.",
      find: "Найти",
      matches: "Найденные участки",
      key: "Ключ подписи",
      release: "выпуск",
      releaseOf: "от {d} (№ {v})",
      privacy: "Без регистрации, без cookies и без счётчиков. Чтобы взять рекомендации с собой, скачайте офлайн-копию своего региона: она проверяет подпись сама и открывается без интернета.",
      signedBy: "Данные подписаны ключом «{w}» (выпуск от {d}).",
      signedKnown: "Проверено: данные подписаны знакомым вам ключом «{w}» (выпуск от {d}).",
      signedNewKnown: "Проверено: новый ключ «{w}» объявлен ключом «{o}», который вы уже проверяли (выпуск от {d}).",
      keyExplain: "Страница может проверить только то, что данные подписаны этим ключом. Поддельная копия будет подписана другим ключом. Сверьте шесть слов ключа с опубликованными на официальных каналах кампании — тех, что вы знаете не из этой страницы (подделка может указать и поддельные каналы):",
      keyNew: "Это новый ключ кампании: он объявлен подписью прежнего ключа «{o}».",
      noChannels: "Официальные каналы в этом выпуске не указаны — спросите ключ у того, от кого получили ссылку.",
      remember: "Слова совпали — запомнить ключ на этом устройстве",
      remembered: "Ключ запомнен на этом устройстве. В следующий раз страница скажет, если ключ изменится.",
      keyChanged: "Внимание: раньше вы проверяли другой ключ ({o}). Если смена ключа не объявлена на официальных каналах, это может быть подделка.",
      regionVerified: "Подпись и данные региона «{r}» проверены.",
      loadingRegion: "Загружаем и проверяем данные региона…",
      needRegion: "Выберите регион, чтобы искать по адресу (или введите номер участка).",
      needQuery: "Введите номер участка или адрес.",
      stillLoading: "Данные региона ещё загружаются — подождите пару секунд.",
      station: "Участок № {n}",
      voteFor: "Голосуйте за",
      noRec: "По этому округу рекомендации нет.",
      details: "Другие кандидаты и подробности расчёта",
      altLine: "{c}{party}: сильнее остальных в {k} из {n}",
      altNever: "{c}{party}: почти никогда не сильнее остальных (меньше 1 из 100)",
      race: "Округ № {n}",
      nothing: "Ничего не найдено. Проверьте номер участка или введите улицу и номер дома.",
      noHouse: "Дома с таким номером нет в списке адресов. Участки на этой улице:",
      more: "Показаны первые {k} из {n}. Уточните запрос.",
      unknownStation: "Участок {s} не найден в подписанных данных.",
      namesakeOf: "Осторожно: однофамилец рекомендованного кандидата. Не перепутайте!",
      namesakeWarn: "В бюллетене есть однофамилец: {c}. Ищите {e}{party}.",
      spoiler: "возможный спойлер",
      winLine: "Шанс победить, если все несогласные проголосуют вместе: примерно {k} из {n}.",
      excluded: "Не рассматривались кандидатов: {count}.",
      tech: "Пояснения аналитиков",
      links: "Взять с собой",
      offlineLink: "Офлайн-копия региона (один файл, работает без интернета)",
      printLink: "Листовка для печати (A4)",
      outdated: "Этот выпуск действовал до {d}. Возможно, он устарел: поищите свежую копию.",
      validUntil: "Действителен до {d}.",
      warnTitle: "Внимание: данные не прошли проверку, рекомендации не показаны.",
      nextSteps: "Что делать:",
      stepMirror: "откройте другое зеркало:",
      stepOffline: "или откройте офлайн-копию, полученную от знакомого человека;",
      stepKey: "сверьте слова ключа подписи внизу страницы с официальными каналами кампании.",
      e_signature: "Подпись не сходится. Эти данные могли быть подделаны — не доверяйте им.",
      e_hash: "Данные региона не совпадают с подписанным списком. Их могли подменить — не доверяйте им.",
      e_version: "Это устаревший выпуск рекомендаций (выпуск {got}, а известен уже выпуск {want}). Найдите свежую копию.",
      e_election: "Эти подписанные данные относятся к другим выборам.",
      e_format: "Данные повреждены или имеют неизвестный формат.",
      e_keychange: "Объявление о смене ключа не проходит проверку. Это может быть подделка.",
      e_fetch: "Не удалось загрузить данные: сайт может быть заблокирован.",
      e_saved: "Это сохранённая страница без данных. Для работы без интернета нужна офлайн-копия региона (отдельный файл со ссылкой «Офлайн-копия»).",
      e_crypto: "Ваш браузер не умеет проверять подпись (Ed25519). Обновите браузер; без проверки рекомендации не показываются.",
      upChecking: "Проверяем, нет ли нового выпуска; пока показан сохранённый проверенный выпуск от {d}",
      upCurrent: "Это последний выпуск.",
      upUpdated: "Обновлено: выпуск от {d}",
      upOffline: "Нет связи с сайтом: показан сохранённый выпуск от {d}",
      upOlder: "Сайт отдаёт более старый выпуск (№ {got}), он не принят. Показан сохранённый проверенный выпуск от {d}",
      upRefused: "Выпуск с сайта не прошёл проверку и не принят: {why} Показан сохранённый проверенный выпуск от {d}"
    },
    en: {
      skip: "Skip to station search",
      title: "Smart Voting",
      lead: "Find your polling station and see whom to vote for in every race on your ballot.",
      checking: "Checking the data signature…",
      region: "Region",
      chooseRegion: "— choose a region —",
      number: "Station number",
      numberHint: "If you know your station number (e.g. 1004), type it: no need to choose a region.",
      query: "Or your home address",
      hint: "For example “Nalichnaya 32 k2” (in Russian). The search runs in your browser: the server never learns what you looked for.",
      find: "Find",
      matches: "Matching stations",
      key: "Signing key",
      release: "release",
      releaseOf: "of {d} (No. {v})",
      privacy: "No accounts, no cookies, no analytics. To take the recommendations with you, download your region's offline copy: it checks the signature itself and opens without internet.",
      signedBy: "The data is signed by the key “{w}” (release of {d}).",
      signedKnown: "Verified: signed by the key “{w}” you checked before (release of {d}).",
      signedNewKnown: "Verified: the new key “{w}” was announced by the key “{o}” you checked before (release of {d}).",
      keyExplain: "This page can only check that the data is signed by this key. A fake copy would be signed by another key. Compare the six words with those published on the campaign's official channels — ones you know from elsewhere, not from this page (a fake can list fake channels too):",
      keyNew: "This is a new campaign key, announced by a signature of the previous key “{o}”.",
      noChannels: "This release lists no official channels: ask the person who sent you the link for the key.",
      remember: "The words match — remember this key on this device",
      remembered: "Key remembered on this device. Next time the page will tell you if the key changes.",
      keyChanged: "Warning: you checked a different key before ({o}). Unless the change was announced on the official channels, this may be a fake.",
      regionVerified: "Signature and data of region “{r}” verified.",
      loadingRegion: "Loading and checking the region's data…",
      needRegion: "Choose a region to search by address (or type the station number).",
      needQuery: "Type a station number or an address.",
      stillLoading: "The region's data is still loading — wait a couple of seconds.",
      station: "Station No. {n}",
      voteFor: "Vote for",
      noRec: "No recommendation for this race.",
      details: "Other candidates and how it was computed",
      altLine: "{c}{party}: strongest in {k} of {n}",
      altNever: "{c}{party}: almost never the strongest (under 1 in 100)",
      race: "District No. {n}",
      nothing: "Nothing found. Check the station number or type the street and house number.",
      noHouse: "No such house number in the address list. Stations on this street:",
      more: "Showing the first {k} of {n}. Narrow the search.",
      unknownStation: "Station {s} is not in the signed data.",
      namesakeOf: "Careful: a namesake of the endorsed candidate. Do not confuse them!",
      namesakeWarn: "There is a namesake on the ballot: {c}. Look for {e}{party}.",
      spoiler: "possible spoiler",
      winLine: "Chance of winning if all opposition voters back this candidate: about {k} in {n}.",
      excluded: "Candidates not considered: {count}.",
      tech: "Analysts' notes",
      links: "Take it with you",
      offlineLink: "Offline copy of the region (one file, works without internet)",
      printLink: "Printable leaflet (A4)",
      outdated: "This release was valid until {d}. It may be outdated: look for a fresh copy.",
      validUntil: "Valid until {d}.",
      warnTitle: "Warning: the data failed verification; no recommendations are shown.",
      nextSteps: "What to do:",
      stepMirror: "open another mirror:",
      stepOffline: "or open an offline copy you received from someone you know;",
      stepKey: "compare the signing key's words at the bottom of the page with the campaign's official channels.",
      e_signature: "The signature does not match. This data may be forged — do not trust it.",
      e_hash: "The region's data does not match the signed list. It may have been replaced — do not trust it.",
      e_version: "This is an outdated release (release {got}, but release {want} is already known). Find a fresh copy.",
      e_election: "This signed data belongs to a different election.",
      e_format: "The data is damaged or in an unknown format.",
      e_keychange: "The key-change announcement does not verify. This may be a fake.",
      e_fetch: "Could not load the data: the site may be blocked.",
      e_saved: "This is a saved page without the data. To work offline you need the region's offline copy (a separate file, linked as “Offline copy”).",
      e_crypto: "Your browser cannot verify the signature (Ed25519). Please update it; without verification no recommendations are shown.",
      upChecking: "Checking for a newer release; meanwhile showing the saved, verified release of {d}",
      upCurrent: "This is the latest release.",
      upUpdated: "Updated: release of {d}",
      upOffline: "No connection to the site: showing the saved release of {d}",
      upOlder: "The site serves an older release (No. {got}); it was not accepted. Showing the saved, verified release of {d}",
      upRefused: "The release from the site failed verification and was not accepted: {why} Showing the saved, verified release of {d}"
    }
  };
  /* Reasons in plain words, from the numbers of a recommendation (the same codes and
   * texts as smartvote/publish/reasons.py). */
  var R = {
    ru: {
      strongest: "В {k} {cases} из {n} этот кандидат сильнее остальных кандидатов против кандидата власти.",
      close_call: "Выбор непростой: {runner} почти так же силён(-на).",
      beat: "Кандидат власти, которого нужно обойти: {candidate}{party_sfx}."
    },
    en: {
      strongest: "In {k} cases out of {n} this candidate is stronger than the other challengers of the regime's candidate.",
      close_call: "A close call: {runner} is almost as strong.",
      beat: "The regime's candidate to beat: {candidate}{party_sfx}."
    }
  };
  var MAX_MATCHES = 20;
  var CACHE = "smartvote-v1";
  var lang = "ru";
  var S = { manifest: null, failed: null, regions: new Map(), loading: new Map(), region: null, station: null,
            results: null, status: null, message: null, key: null, update: null, marked: false };

  function $(id) { return document.getElementById(id); }
  function meta(n) { var m = document.querySelector('meta[name="' + n + '"]'); return m ? m.getAttribute("content") || "" : ""; }
  function fill(s, vars) {
    return vars ? s.replace(/\{(\w+)\}/g, function (_, v) { return vars[v] === undefined || vars[v] === null ? "" : String(vars[v]); }) : s;
  }
  function t(k, vars) { return fill(T[lang][k], vars); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined && text !== null) { e.textContent = String(text); } if (cls) { e.className = cls; } return e; }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }
  function isUrl(u) { return typeof u === "string" && /^https?:\/\/[^\s<>"'`\\]+$/.test(u); }
  function isRel(p) { return typeof p === "string" && /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(p) && p.split("/").indexOf("..") < 0; }
  function link(href, text) { var a = el("a", text); a.setAttribute("href", href); a.setAttribute("rel", "noopener noreferrer"); return a; }
  function online() { return meta("smartvote-mode") !== "offline"; }

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
  function get(path, fresh) {
    // same-origin paths only (the site sets no cookies); "same-origin" as the page's
    // <link rel=preload crossorigin> of the manifest pair, so that fetch() takes the preload
    var opts = { credentials: "same-origin", referrerPolicy: "no-referrer", redirect: "error" };
    // past the service worker, to the network (revalidating the browser's HTTP cache: an
    // unchanged manifest costs a 304)
    if (fresh) { opts.cache = "no-cache"; opts.headers = { "x-smartvote-fresh": "1" }; }
    return fetch(path, opts)
      .then(function (r) { if (!r.ok) { throw new Fail("fetch"); } return r.arrayBuffer(); },
            function () { throw new Fail(location.protocol === "file:" ? "saved" : "fetch"); })
      .then(function (b) { return new Uint8Array(b); });
  }

  async function edVerify(keyRaw, sig, bytes) {
    var key, sigBytes;
    try { sigBytes = b64(sig); } catch (e) { return false; }
    try {
      key = await subtle().importKey("raw", keyRaw, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) { if (e instanceof Fail) { throw e; } throw new Fail("crypto"); }
    try { return await subtle().verify({ name: "Ed25519" }, key, sigBytes, bytes); } catch (e) { return false; }
  }
  async function keyWords(raw) {
    var h = new Uint8Array(await subtle().digest("SHA-256", raw)), w = [];
    for (var i = 0; i < 6; i++) { w.push(WORDS[h[i]]); }
    return w.join(" ");
  }
  /* RFC 8785 canonical JSON of a key-change statement (strings and integers only). */
  function canonical(o) {
    if (o === null || typeof o !== "object") { return JSON.stringify(o); }
    var keys = Object.keys(o).sort();
    return "{" + keys.map(function (k) { return JSON.stringify(k) + ":" + canonical(o[k]); }).join(",") + "}";
  }
  async function checkKeyChange(m, pageKey) {
    var kc = m.key_change;
    if (kc === undefined || kc === null) { return null; }
    var st = kc && kc.statement;
    if (!st || st.format !== "smartvote-key-change/1" || st.new_key !== pageKey || st.election !== m.election ||
        typeof st.old_key !== "string") { throw new Fail("keychange"); }
    var oldRaw;
    try { oldRaw = b64(st.old_key); } catch (e) { throw new Fail("keychange"); }
    if (!(await edVerify(oldRaw, kc.signature, new TextEncoder().encode(canonical(st))))) { throw new Fail("keychange"); }
    return { oldWords: await keyWords(oldRaw) };
  }

  function store(k, v) { try { if (v === undefined) { return window.localStorage.getItem(k); } window.localStorage.setItem(k, v); } catch (e) { /* storage off: fine */ } return null; }
  function versionKey() { return "smartvote:seen:" + meta("smartvote-public-key"); }
  function seenVersion() { return parseInt(store(versionKey()) || "0", 10) || 0; }
  function rememberVersion(v) { if (v > seenVersion()) { store(versionKey(), String(v)); } }
  function knownKeys() { try { var a = JSON.parse(store("smartvote:keys") || "[]"); return Array.isArray(a) ? a : []; } catch (e) { return []; } }
  function rememberKey(words) { var a = knownKeys(); if (a.indexOf(words) < 0) { a.push(words); store("smartvote:keys", JSON.stringify(a)); } }

  function controlled() { return !!(navigator.serviceWorker && navigator.serviceWorker.controller); }

  /* The signed pair: from the page itself (offline copy), else fetched (through the service
   * worker's cache when it holds a verified pair; with `fresh`, from the network). */
  async function fetchPair(fresh) {
    var inline = meta("smartvote-manifest");
    if (inline) {
      var raw;
      try { raw = b64(inline); } catch (e) { throw new Fail("format"); }
      return { bytes: raw, sig: meta("smartvote-signature") };
    }
    var got = await Promise.all([get("manifest.json", fresh), get("manifest.sig", fresh)]);
    return { bytes: got[0], sig: utf8(got[1]) };
  }

  /* A saved copy read from the Cache Storage by the page itself (the same copy the worker
   * would answer with, without the hop through the worker: 3-4x faster for a 390 kB shard
   * under a 4x CPU slowdown), else from the network through get(). */
  function getSaved(path) {
    if (!S.fromCache || !window.caches) { return get(path); }
    return caches.match(path).then(function (hit) { return hit ? hit.arrayBuffer().then(function (b) { return new Uint8Array(b); }) : get(path); },
                                   function () { return get(path); });
  }

  /* Everything the page checks before it shows anything from a manifest: the signature by
   * the page's key (or by a new key the page's key announced), the format, the election,
   * the version (not below the page's minimum nor below the highest release seen here),
   * a key-change statement. Returns the manifest and its key, or throws a Fail. */
  async function verifyPair(pair) {
    var bytes = pair.bytes, sig = pair.sig;
    var pageKey = meta("smartvote-public-key"), signer = pageKey;
    if (!(await edVerify(b64(pageKey), sig, bytes))) {
      // Key continuity: a page kept from an earlier release (cache, saved copy) accepts a
      // manifest signed by a new key only when the page's key announced that key.
      var st0 = null;
      try { st0 = parse(bytes).key_change.statement; } catch (e) { st0 = null; }
      if (!st0 || st0.old_key !== pageKey || typeof st0.new_key !== "string") { throw new Fail("signature"); }
      var newRaw;
      try { newRaw = b64(st0.new_key); } catch (e) { throw new Fail("signature"); }
      if (!(await edVerify(newRaw, sig, bytes))) { throw new Fail("signature"); }
      signer = st0.new_key;
    }
    var m = parse(bytes);
    if (!m || m.format !== "smartvote-bundle/1" || !Array.isArray(m.regions) || typeof m.files !== "object") { throw new Fail("format"); }
    if (m.election !== meta("smartvote-election")) { throw new Fail("election"); }
    var want = Math.max(parseInt(meta("smartvote-min-version"), 10) || 0, seenVersion());
    if (!Number.isSafeInteger(m.version) || m.version < want) { throw new Fail("version", { got: m.version, want: want }); }
    var change = await checkKeyChange(m, signer);
    var words = await keyWords(b64(signer));
    var known = knownKeys();
    var key = { words: words, change: change, known: known.indexOf(words) >= 0, others: known.filter(function (w) { return w !== words; }) };
    if (!key.known && change && known.indexOf(change.oldWords) >= 0) { key.viaOld = true; }
    return { m: m, key: key, bytes: bytes, sig: sig };
  }
  function accept(v) {
    rememberVersion(v.m.version);
    if (v.key.viaOld) { rememberKey(v.key.words); v.key.known = true; }  // announced by a key the voter checked and chose to remember
    S.manifest = v.m;
    S.key = v.key;
    S.pair = { bytes: v.bytes, sig: v.sig };
  }

  async function loadManifest() {
    var v;
    try {
      v = await verifyPair(await fetchPair(false));
    } catch (e) {
      // Through the worker the pair may be the saved one: when it fails (a newer page's
      // minimum version, a damaged or altered cache) it is never shown; it is dropped and the
      // network's pair is checked instead. Offline, the saved pair's failure is reported.
      if (!(e instanceof Fail) || !controlled()) { throw e; }
      S.fromCache = false;
      await forget(["manifest.json", "manifest.sig"]);
      var pair;
      try { pair = await fetchPair(true); } catch (e2) { throw e; }
      v = await verifyPair(pair);
    }
    accept(v);
    return v.m;
  }

  /* The Cache Storage the service worker answers from: the page writes to it only what it
   * has verified (the pair, shards under their hashes). */
  async function cache() { return window.caches ? caches.open(CACHE) : null; }
  async function forget(urls) {
    try { var c = await cache(); if (c) { await Promise.all(urls.map(function (u) { return c.delete(u); })); } } catch (e) { /* no cache */ }
  }
  function body(bytes, type) { return new Response(bytes, { headers: { "content-type": type } }); }
  var SHELL = ["index.html", "app.js", "style.css"];
  async function saveShard(c, r) {
    var u = shardUrl(r.meta, S.manifest);
    if (!(await c.match(u))) { await c.put(u, body(r.bytes, "application/json")); }
  }
  /* Save the verified release for the next visit: the shards in use, then the pair, then the
   * page, script and style when their SHA-256 is the one the verified manifest lists (so a
   * saved page always belongs to a saved release: its key and minimum version). */
  async function saveVerified() {
    if (!online() || location.protocol === "file:" || !S.pair) { return; }
    try {
      var c = await cache(), m = S.manifest;
      if (!c) { return; }
      await Promise.all(Array.from(S.regions.values()).map(function (r) { return saveShard(c, r); }));
      await c.put("manifest.json", body(S.pair.bytes, "application/json"));
      await c.put("manifest.sig", body(S.pair.sig, "text/plain"));
      await Promise.all(SHELL.map(async function (name) {
        var want = m.files[name], hit = await c.match(name);
        if (typeof want !== "string") { return; }
        if (hit && hex(await subtle().digest("SHA-256", await hit.arrayBuffer())) === want) { return; }
        var opts = { credentials: "same-origin", referrerPolicy: "no-referrer", redirect: "error" };
        if (controlled()) { opts.cache = "no-cache"; opts.headers = { "x-smartvote-fresh": "1" }; }  // not the worker's old copy
        var res;  // the server's answer itself, with its headers (CSP and others)
        try { res = await fetch(name, opts); } catch (e) { return; }
        if (res.ok && hex(await subtle().digest("SHA-256", await res.clone().arrayBuffer())) === want) { await c.put(name, res); }
      }));
      var keep = Object.create(null);
      m.regions.forEach(function (r) { keep[new URL(shardUrl(r, m), location.href).href] = true; });
      (await c.keys()).forEach(function (req) {  // shards of older releases
        if (new URL(req.url).searchParams.has("h") && !keep[req.url]) { c.delete(req); }
      });
      document.documentElement.setAttribute("data-saved", String(m.version));
    } catch (e) { /* storage full or off: the next visit asks the network */ }
  }

  function shardUrl(region, m) {
    var h = (m || S.manifest).files[region.shard];
    return region.shard + (typeof h === "string" ? "?h=" + h : "");
  }
  /* A region's shard, checked against the manifest `m` (its SHA-256, election, version,
   * region); a copy from the cache that fails is deleted and the network asked once. */
  async function fetchRegion(region, m, fresh) {
    var bytes, node = document.getElementById("sv-shard"), url = shardUrl(region, m), early = S.early;
    if (early && early.url === url && !fresh) { S.early = null; bytes = await early.p; }  // checked below like any other copy
    if (node) { bytes = new TextEncoder().encode(node.textContent); } else if (!bytes) { bytes = await (fresh ? get(url, true) : getSaved(url)); }
    var want = m.files[region.shard];
    var got = hex(await subtle().digest("SHA-256", bytes));
    if (typeof want !== "string" || got !== want) {
      if (!node && window.caches) {
        await forget([shardUrl(region, m)]);
        if (!fresh && controlled()) {
          var again;
          try { again = await fetchRegion(region, m, true); } catch (e) { throw new Fail("hash"); }
          return again;
        }
      }
      throw new Fail("hash");
    }
    var sh = parse(bytes);
    if (!sh || sh.format !== "smartvote-shard/1" || sh.election !== m.election ||
        sh.version !== m.version || sh.region !== region.region) { throw new Fail("format"); }
    return { meta: region, shard: sh, index: null, parsed: false, bytes: bytes };
  }
  /* The stations' numbers, normalised, built on the first search (a link to a station opens
   * it by its id without this: ~50 ms for 2,055 stations under a 4x slower CPU). */
  function stationIndex(r) {
    if (!r.index) { r.index = Object.keys(r.shard.stations).map(function (id) { return { id: id, number: norm(r.shard.stations[id].number) }; }); }
    return r.index;
  }
  async function loadRegion(region) {
    if (S.regions.has(region.region)) { return S.regions.get(region.region); }
    if (S.loading.has(region.region)) { return S.loading.get(region.region); }
    var m = S.manifest;
    var p = fetchRegion(region, m, false).then(function (r) {
      if (S.manifest === m) {
        S.regions.set(region.region, r);
        if (online()) { store("smartvote:last-shard", JSON.stringify({ region: region.region, url: shardUrl(region, m) })); }
        if (S.painted && S.pair && online()) { cache().then(function (c) { return c && saveShard(c, r); }).catch(function () { /* not saved */ }); }
      }
      return r;
    });
    S.loading.set(region.region, p);
    try { return await p; } finally { S.loading.delete(region.region); }
  }

  /* After the first answer is on screen (the saved release, from the worker): ask the
   * network for the pair, verify it exactly as on load, and when it is a newer release,
   * verify the shards in use too, then show it, save it and say so. A pair or shard that
   * fails is never shown nor saved: the saved release stays, with the reason. */
  async function checkForUpdate() {
    if (!online() || !S.fromCache) { return; }
    var d0 = fmtDate(S.manifest.created);
    setUpdate("upChecking", { d: d0 });
    var pair;
    try { pair = await fetchPair(true); } catch (e) { setUpdate("upOffline", { d: d0 }, "offline"); return; }
    if (S.pair && same(pair.bytes, S.pair.bytes) && pair.sig.trim() === S.pair.sig.trim()) { setUpdate("upCurrent", null, "current"); await saveVerified(); return; }
    var v, fresh = new Map();
    try {
      v = await verifyPair(pair);
      if (v.m.version < S.manifest.version) { setUpdate("upOlder", { got: v.m.version, d: d0 }, "refused"); return; }
      if (v.m.version === S.manifest.version) { setUpdate("upCurrent", null, "current"); await saveVerified(); return; }
      var names;
      do {  // the regions in use, including one the voter opened while this was checked
        names = Array.from(S.regions.keys()).concat(S.region ? [S.region] : []).filter(function (n) { return !fresh.has(n); });
        for (var i = 0; i < names.length; i++) {
          var reg = v.m.regions.find(function (x) { return x.region === names[i]; });
          if (reg) { fresh.set(names[i], await fetchRegion(reg, v.m, true)); } else { fresh.set(names[i], null); }
        }
      } while (names.length);
    } catch (e) {
      if (!(e instanceof Fail) || e.kind === "fetch") { setUpdate("upOffline", { d: d0 }, "offline"); return; }
      if (e.kind === "version") { setUpdate("upOlder", { got: e.vars.got, d: d0 }, "refused"); return; }
      setUpdate("upRefused", { why: t("e_" + e.kind, e.vars), d: d0 }, "refused");
      return;
    }
    accept(v);
    S.regions = new Map();
    fresh.forEach(function (r, n) { if (r) { S.regions.set(n, r); } });
    if (S.region && !S.regions.has(S.region)) { S.region = null; }
    if (S.station && !(S.regions.has(S.station.region) && Object.prototype.hasOwnProperty.call(S.regions.get(S.station.region).shard.stations, S.station.id))) { S.station = null; }
    S.results = null;
    fillRegions();
    $("fp").textContent = S.key.words;
    setStatus.apply(null, keyStatus());
    setUpdate("upUpdated", { d: fmtDate(S.manifest.created) }, "updated");
    renderAll();
    await saveVerified();
  }
  function same(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }
  function setUpdate(key, vars, state) {
    S.update = [key, vars, state || "checking"];
    renderUpdate();
  }
  function renderUpdate() {
    var u = $("update");
    if (!u) { return; }
    if (!S.update || S.failed) { u.hidden = true; return; }
    u.textContent = t(S.update[0], S.update[1]);
    u.setAttribute("data-state", S.update[2]);
    u.className = "update" + (S.update[2] === "refused" ? " warn" : "");
    u.hidden = false;
  }

  /* ---- Russian addresses: the same rules as smartvote/publish/address.py ---- */
  var TYPES = { "проспект": "пр", "пр": "пр", "пр-т": "пр", "пр-кт": "пр", "просп": "пр", "пркт": "пр",
    "улица": "ул", "ул": "ул", "набережная": "наб", "наб": "наб", "переулок": "пер", "пер": "пер",
    "шоссе": "ш", "ш": "ш", "площадь": "пл", "пл": "пл", "бульвар": "бул", "б-р": "бул", "бул": "бул",
    "бульв": "бул", "проезд": "прд", "пр-д": "прд", "аллея": "ал", "ал": "ал", "линия": "лин", "лин": "лин",
    "дорога": "дор", "дор": "дор", "тупик": "туп", "туп": "туп" };
  function set(a) { var o = Object.create(null); a.forEach(function (x) { o[x] = true; }); return o; }
  var HOUSE = set(["дом", "д", "дома", "домов"]), KORP = set(["корпус", "корп", "к", "кор", "корпуса"]),
      STROENIE = set(["строение", "стр", "с"]), LITERA = set(["литера", "литер", "лит", "литеры"]),
      FLAT = set(["кв", "квартира", "пом", "помещение", "офис"]),
      NOISE = set(["г", "город", "санкт-петербург", "спб", "россия", "рф", "р-н", "и"]);
  var RE_ORD = /^(\d+)-?(?:[а-я]{1,3})$/, RE_RANGE = /^(\d+)-(\d+)$/,
      RE_HOUSE = /^(\d+(?:\/\d+[а-я]?)?)([а-я])?(?:(?:к|корп)(\d+))?(?:(?:с|стр)(\d+))?(?:лит([а-я]))?$/;

  function norm(s) { return String(s).normalize("NFC").toLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ").trim(); }
  function House(base, korp, str, letter) { return { base: base, korp: korp || "", str: str || "", letter: letter || "" }; }
  function parseAddress(s) {
    var toks = norm(s).replace(/\([^)]*\)/g, " ").split(/[\s,;:()«»"'.№#]+/).filter(function (x) { return x && x !== "-"; });
    var words = [], types = [], houses = [], pending = "", lastNumber = false;
    toks.forEach(function (tok) {
      var wasNumber = lastNumber, m, h;
      lastNumber = false;
      if (Object.prototype.hasOwnProperty.call(TYPES, tok)) { types.push(TYPES[tok]); pending = ""; return; }
      if (HOUSE[tok]) { pending = "house"; return; }
      if (KORP[tok] && houses.length) { pending = "korp"; return; }
      if (STROENIE[tok] && houses.length) { pending = "str"; return; }
      if (LITERA[tok]) { pending = "lit"; return; }
      if (FLAT[tok]) { pending = "flat"; return; }
      if (NOISE[tok]) { return; }
      if (/^\d/.test(tok)) {
        var mark = pending; pending = "";
        if (mark === "flat") { return; }
        if ((mark === "korp" || mark === "str") && /^\d+$/.test(tok)) {
          h = houses[houses.length - 1];
          houses[houses.length - 1] = mark === "korp" ? House(h.base, tok, h.str, h.letter) : House(h.base, h.korp, tok, h.letter);
          lastNumber = true; return;
        }
        if ((m = RE_RANGE.exec(tok))) { houses.push(House(m[1]), House(m[2])); lastNumber = true; return; }
        if ((m = RE_HOUSE.exec(tok))) { houses.push(House(m[1], m[3], m[4], m[2])); lastNumber = true; return; }
        if ((m = RE_ORD.exec(tok))) { words.push(m[1] + "-"); return; }
        words.push(tok); return;
      }
      if (pending === "lit") { pending = ""; return; }
      if (tok.length === 1 && wasNumber && houses.length && !houses[houses.length - 1].letter) {
        h = houses[houses.length - 1];
        houses[houses.length - 1] = House(h.base, h.korp, h.str, tok);
        return;
      }
      pending = "";
      words.push(tok);
    });
    houses.filter(function (x) { return x.base.indexOf("/") >= 0; }).forEach(function (x) {
      houses.push(House(x.base.split("/")[0], x.korp, x.str, x.letter));
    });
    return { words: words, types: types, houses: houses };
  }
  function oneEdit(a, b) {
    var la = a.length, lb = b.length, i, d = [];
    if (Math.abs(la - lb) > 1) { return false; }
    if (la === lb) {
      for (i = 0; i < la; i++) { if (a[i] !== b[i]) { d.push(i); } }
      return d.length === 1 || (d.length === 2 && d[1] === d[0] + 1 && a[d[0]] === b[d[1]] && a[d[1]] === b[d[0]]);
    }
    if (la > lb) { var x = a; a = b; b = x; la = a.length; }
    i = 0;
    while (i < la && a[i] === b[i]) { i++; }
    return a.slice(i) === b.slice(i + 1);
  }
  function wordMatch(q, a) {
    if (q === a) { return 2; }
    if (q[q.length - 1] === "-" || a[a.length - 1] === "-") { return 0; }
    if (q.length >= 3 && a.indexOf(q) === 0) { return 1; }
    var n = Math.min(q.length, a.length);
    if (n >= 5) {
      var c = 0;
      while (c < n && q[c] === a[c]) { c++; }
      if (c >= Math.max(4, q.length - 3, a.length - 3)) { return 1; }
      if (oneEdit(q, a)) { return 1; }
    }
    return 0;
  }
  function houseMatch(q, a) {
    if (q.base !== a.base) { return 0; }
    var exact = 2, pairs = [[q.korp, a.korp], [q.str, a.str], [q.letter, a.letter]];
    for (var i = 0; i < 3; i++) {
      if (pairs[i][0] && pairs[i][0] !== pairs[i][1]) { return 0; }
      if (!pairs[i][0] && pairs[i][1]) { exact = 1; }
    }
    return exact;
  }
  function matchScore(q, a) {
    if (!q.words.length && !q.houses.length) { return [0, 0]; }
    var street = 1, i, j, best, memo = q.memo || (q.memo = q.words.map(function () { return new Map(); })), m;
    for (i = 0; i < q.words.length; i++) {
      best = 0;
      for (j = 0; j < a.words.length && best < 2; j++) {
        m = memo[i].get(a.words[j]);  // many stations share words: compare each word once
        if (m === undefined) { m = wordMatch(q.words[i], a.words[j]); memo[i].set(a.words[j], m); }
        best = Math.max(best, m);
      }
      if (!best) { return [0, 0]; }
      if (best === 2) { street++; }
    }
    if (q.types.length && q.types.every(function (x) { return a.types.indexOf(x) >= 0; })) { street++; }
    var house = 0;
    if (q.houses.length) {
      for (j = 0; j < a.houses.length; j++) { house = Math.max(house, houseMatch(q.houses[0], a.houses[j])); }
      if (!q.words.length && !house) { return [0, 0]; }
    }
    return [house, street];
  }
  function addressIndex(r) {  // parsed on the first address search, not on every page load
    if (r.parsed) { return; }
    stationIndex(r).forEach(function (s) {
      var st = r.shard.stations[s.id];
      var texts = [String(st.address)].concat(Array.isArray(st.serves) ? st.serves.map(String) : []);
      s.addrs = texts.map(function (x) { return { text: x, p: parseAddress(x) }; });
    });
    r.parsed = true;
  }
  function searchAddress(r, query) {
    addressIndex(r);
    var q = parseAddress(query), hits = [];
    stationIndex(r).forEach(function (s) {
      var best = [0, 0], text = "";
      s.addrs.forEach(function (a) {
        var sc = matchScore(q, a.p);
        if (sc[1] && (sc[0] > best[0] || (sc[0] === best[0] && sc[1] > best[1]))) { best = sc; text = a.text; }
      });
      if (best[1]) { hits.push({ sc: best, id: s.id, text: text }); }
    });
    var houseFound = q.houses.length > 0 && hits.some(function (h) { return h.sc[0] > 0; });
    if (houseFound) {
      hits = hits.filter(function (h) { return h.sc[0] > 0; });
      var topH = Math.max.apply(null, hits.map(function (h) { return h.sc[0]; }));
      hits = hits.filter(function (h) { return h.sc[0] === topH; });
    }
    var topS = hits.length ? Math.max.apply(null, hits.map(function (h) { return h.sc[1]; })) : 0;
    hits = hits.filter(function (h) { return h.sc[1] === topS; });
    return { hits: hits, houseFound: houseFound, askedHouse: q.houses.length > 0 };
  }
  window.smartvoteAddress = { parse: parseAddress, search: function (region, q) {
    var r = S.regions.get(region); return r ? searchAddress(r, q) : null;
  } };

  /* ---- reasons in words ---- */
  function inWords(p) {
    if (p < 0.05 || p > 0.95) { return [Math.round(p * 100), 100]; }
    var ds = [2, 3, 4, 5, 10];
    for (var i = 0; i < ds.length; i++) {
      var n = ds[i], k = Math.round(p * n);
      if (k > 0 && k < n && Math.abs(k / n - p) <= 0.04) { return [k, n]; }
    }
    return [Math.round(p * 10), 10];
  }
  function num(x) { return typeof x === "number" && isFinite(x) ? x : null; }
  function surname(s) { return norm(s).split(" ")[0] || ""; }
  function reasonText(code, v) {
    var vals = Object.assign({}, v);
    vals.cases = (v.k % 10 === 1 && v.k % 100 !== 11) ? "случае" : "случаях";
    vals.party_sfx = v.party ? " (" + v.party + ")" : "";
    return fill(R[lang][code], vals);
  }
  function flagsFor(rec) {
    var out = Object.create(null), sn = surname(rec.endorsed || "");
    (Array.isArray(rec.spoilers) ? rec.spoilers : []).forEach(function (s) {
      if (!s || typeof s.candidate !== "string" || s.candidate === rec.endorsed) { return; }
      if (s.kind === "namesake") { if (surname(s.candidate) === sn) { out[s.candidate] = "namesake"; } }
      else { out[s.candidate] = "spoiler"; }
    });
    return out;
  }

  function fail(err) {
    if (!(err instanceof Fail)) { err = new Fail("format"); }
    S.failed = err;
    S.station = null;
    S.results = null;
    ["search", "matches", "ballot", "keybox", "takeaway"].forEach(function (id) { $(id).hidden = true; });
    clear($("races")); clear($("match-list")); clear($("ballot-title")); clear($("ballot-address"));
    $("status").hidden = true;
    renderWarning();
    renderUpdate();
  }
  function mirrors() {
    var list = (S.manifest && Array.isArray(S.manifest.mirrors) ? S.manifest.mirrors : []).concat(meta("smartvote-mirrors").split(/\s+/));
    var seen = Object.create(null);
    return list.filter(function (u) { if (!isUrl(u) || seen[u]) { return false; } seen[u] = true; return true; });
  }
  function renderWarning() {
    var w = $("warning");
    clear(w);
    if (!S.failed) { w.hidden = true; return; }
    var k = S.failed.kind;
    w.appendChild(el("p", t(k === "saved" || k === "fetch" ? "e_" + k : "warnTitle")));
    if (k !== "saved" && k !== "fetch") { w.appendChild(el("p", t("e_" + k, S.failed.vars))); }
    if (k === "crypto") { w.hidden = false; return; }
    w.appendChild(el("p", t("nextSteps")));
    var ol = el("ol"), ms = mirrors();
    if (ms.length) {
      var li = el("li", t("stepMirror") + " "), ul = el("ul");
      ms.forEach(function (u) { var x = el("li"); x.appendChild(link(u, u)); ul.appendChild(x); });
      li.appendChild(ul);
      ol.appendChild(li);
    }
    ol.appendChild(el("li", t("stepOffline")));
    ol.appendChild(el("li", t("stepKey")));
    w.appendChild(ol);
    w.hidden = false;
  }
  function setStatus(key, vars) {
    S.status = [key, vars];
    var s = $("status");
    s.textContent = t(key, vars);
    var ok = key === "signedKnown" || key === "signedNewKnown" || (key === "regionVerified" && S.key && S.key.known);
    s.className = "status" + (ok ? " ok" : key === "signedBy" || key === "regionVerified" ? " key" : "");
  }
  function fmtDate(iso) {
    var d = new Date(String(iso).length <= 10 ? iso + "T00:00:00Z" : iso);
    if (isNaN(d.getTime())) { return String(iso); }
    try {  // one formatter per language: building one costs ~5 ms under a slow CPU, and the status is set often
      var f = DATES[lang] || (DATES[lang] = new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }));
      return f.format(d);
    } catch (e) { return String(iso).slice(0, 10); }
  }
  var DATES = {};
  function renderVersion() {
    if (S.manifest) { $("version").textContent = t("releaseOf", { d: fmtDate(S.manifest.created), v: S.manifest.version }); }
  }
  function keyStatus() {
    var d = fmtDate(S.manifest.created), k = S.key;
    if (k.known && k.viaOld) { return ["signedNewKnown", { w: k.words, o: k.change.oldWords, d: d }]; }
    if (k.known) { return ["signedKnown", { w: k.words, d: d }]; }
    return ["signedBy", { w: k.words, d: d }];
  }
  function renderKeybox() {
    var box = $("keybox");
    clear(box);
    if (S.failed || !S.key) { box.hidden = true; return; }
    var k = S.key;
    if (k.change) { box.appendChild(el("p", t("keyNew", { o: k.change.oldWords }), "keynew")); }
    if (!k.known && k.others.length) { box.appendChild(el("p", t("keyChanged", { o: k.others.join("; ") }), "keywarn")); }
    if (!k.known) {
      box.appendChild(el("p", t("keyExplain")));
      var chans = Array.isArray(S.manifest.channels) ? S.manifest.channels : [];
      if (chans.length) {
        var ul = el("ul", null, "channels");
        chans.forEach(function (c) {
          if (!c || typeof c.name !== "string" || !isUrl(c.url)) { return; }
          var li = el("li", c.name + ": ");
          li.appendChild(link(c.url, c.url));
          ul.appendChild(li);
        });
        box.appendChild(ul);
      } else { box.appendChild(el("p", t("noChannels"))); }
      var b = el("button", t("remember"), "secondary");
      b.type = "button";
      b.id = "remember-key";
      b.addEventListener("click", function () { rememberKey(k.words); k.known = true; S.message = "remembered"; setStatus.apply(null, keyStatus()); renderKeybox(); });
      box.appendChild(b);
    } else if (S.message === "remembered") {
      box.appendChild(el("p", t("remembered")));
    }
    var vu = S.manifest.valid_until;
    if (typeof vu === "string" && /^\d{4}-\d{2}-\d{2}$/.test(vu)) {
      var past = new Date(vu + "T23:59:59Z").getTime() < Date.now();
      box.appendChild(el("p", t(past ? "outdated" : "validUntil", { d: fmtDate(vu) }), past ? "keywarn" : "muted"));
    }
    box.hidden = false;
  }

  function raceLabel(id, sh, rec) {
    var names = sh.race_names || {};
    if (typeof names[id] === "string" && names[id]) { return names[id]; }
    if (rec && typeof rec.race_name === "string" && rec.race_name) { return rec.race_name; }
    var m = /\/smd\/([^/]+)$/.exec(id);
    return m ? t("race", { n: m[1] }) : id;
  }

  function renderRace(raceId, sh) {
    var rec = Object.prototype.hasOwnProperty.call(sh.races, raceId) ? sh.races[raceId] : null;
    var art = el("article", null, "race");
    art.appendChild(el("h3", raceLabel(raceId, sh, rec)));
    art.appendChild(el("p", raceId, "raceid"));
    if (!rec || !rec.endorsed) { art.appendChild(el("p", t("noRec"))); return art; }
    var flags = flagsFor(rec);
    var pick = el("p", null, "pick");
    pick.appendChild(el("span", t("voteFor") + ": "));
    pick.appendChild(el("strong", rec.endorsed, "endorsed"));
    if (rec.party) { pick.appendChild(el("span", " (" + rec.party + ")", "party")); }
    art.appendChild(pick);
    Object.keys(flags).forEach(function (c) {
      if (flags[c] === "namesake") { art.appendChild(el("p", t("namesakeWarn", { c: c, e: rec.endorsed, party: rec.party ? " (" + rec.party + ")" : "" }), "flag")); }
    });
    var ps = num(rec.p_strongest);
    if (ps !== null) { var kn = inWords(ps); art.appendChild(el("p", reasonText("strongest", { k: kn[0], n: kn[1] }), "main")); }
    var alts = Array.isArray(rec.alternatives) ? rec.alternatives.filter(function (a) { return a && typeof a === "object" && a.candidate !== rec.endorsed; }) : [];
    if (rec.close_call && alts.length) { art.appendChild(el("p", reasonText("close_call", { runner: alts[0].candidate }), "close")); }
    if (rec.regime && typeof rec.regime === "object" && typeof rec.regime.candidate === "string") {
      art.appendChild(el("p", reasonText("beat", { candidate: rec.regime.candidate, party: rec.regime.party || "" }), "beat"));
    }
    var d = el("details", null, "more"), sum = el("summary", t("details"));
    d.appendChild(sum);
    if (alts.length) {
      var ol = el("ol");
      alts.forEach(function (a) {
        var p = num(a.p_strongest), kn2 = p === null ? ["—", "—"] : inWords(p);
        var li = el("li", t(kn2[0] === 0 ? "altNever" : "altLine", { c: a.candidate, party: a.party ? " (" + a.party + ")" : "", k: kn2[0], n: kn2[1] }));
        if (flags[a.candidate]) { li.appendChild(el("span", " — " + t(flags[a.candidate] === "namesake" ? "namesakeOf" : "spoiler"), "flag")); }
        ol.appendChild(li);
      });
      d.appendChild(ol);
    }
    var pw = num(rec.p_win);
    if (pw !== null) { var kw = inWords(pw); d.appendChild(el("p", t("winLine", { k: kw[0], n: kw[1] }))); }
    if (Array.isArray(rec.excluded) && rec.excluded.length) { d.appendChild(el("p", t("excluded", { count: rec.excluded.length }))); }
    var notes = lang === "ru" && Array.isArray(rec.reasons_ru) ? rec.reasons_ru : lang === "en" ? rec.reasons : null;
    if (Array.isArray(notes) && notes.length) {
      d.appendChild(el("h4", t("tech")));
      var ul = el("ul");
      notes.forEach(function (x) { ul.appendChild(el("li", x)); });
      d.appendChild(ul);
    }
    art.appendChild(d);
    return art;
  }

  function renderBallot() {
    var box = $("ballot"), races = $("races");
    clear(races);
    if (S.failed || !S.station) { box.hidden = true; renderTakeaway(); return; }
    var r = S.regions.get(S.station.region), st = r.shard.stations[S.station.id];
    $("ballot-title").textContent = t("station", { n: st.number });
    $("ballot-address").textContent = st.address;
    st.races.forEach(function (raceId) { races.appendChild(renderRace(raceId, r.shard)); });
    box.hidden = false;
    if (!S.marked && races.querySelector(".endorsed")) {  // what benchmarks/voter_page.py reads:
      S.marked = true;  // the frame that first draws the endorsed name (not just the DOM change)
      requestAnimationFrame(function () { try { performance.mark("sv:first-recommendation"); } catch (e) { /* no User Timing */ } });
    }
    renderTakeaway();
  }
  function renderTakeaway() {
    var box = $("takeaway"), ul = $("takeaway-list");
    clear(ul);
    var r = S.region && S.regions.get(S.region);
    if (S.failed || !r || !online()) { box.hidden = true; return; }
    if (isRel(r.meta.offline)) { var a = el("li"); a.appendChild(link(r.meta.offline, t("offlineLink"))); a.firstChild.setAttribute("download", ""); ul.appendChild(a); }
    if (isRel(r.meta.print)) {
      var b = el("li"); b.appendChild(link(r.meta.print, t("printLink"))); ul.appendChild(b);
    }
    box.hidden = !ul.firstChild;
  }

  function renderMatches() {
    var box = $("matches"), list = $("match-list");
    clear(list);
    if (S.failed || (!S.results && !S.message)) { box.hidden = true; return; }
    if (S.message && S.message !== "remembered") { list.appendChild(el("li", t(S.message), "msg")); }
    var res = S.results;
    if (res) {
      if (res.notFound) { list.appendChild(el("li", res.notFound === true ? t("nothing") : t("unknownStation", { s: res.notFound }))); }
      if (res.noHouse) { list.appendChild(el("li", t("noHouse"), "msg")); }
      res.items.forEach(function (it) {
        var li = el("li"), b = el("button", t("station", { n: it.number }) + " — " + it.address);
        b.type = "button";
        b.addEventListener("click", guard(function () { return show(it.region, it.id, true); }));
        li.appendChild(b);
        if (it.matched && it.matched !== it.address) { li.appendChild(el("p", it.matched, "hint")); }
        list.appendChild(li);
      });
      if (res.total > res.items.length) { list.appendChild(el("li", t("more", { k: res.items.length, n: res.total }))); }
    }
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
    if (S.status && !S.failed) { setStatus(S.status[0], S.status[1]); if (S.status[0].indexOf("signed") === 0) { setStatus.apply(null, keyStatus()); } }
    renderVersion();
    renderWarning();
    renderUpdate();
    renderKeybox();
    renderMatches();
    renderBallot();
  }

  function item(regionName, r, id, matched) {
    var st = r.shard.stations[id];
    return { region: regionName, id: id, number: st.number, address: st.address, matched: matched };
  }
  function inRanges(ranges, n) {
    return String(ranges || "").split(",").some(function (part) {
      var ab = part.split("-"), a = parseInt(ab[0], 10), b = ab.length > 1 ? parseInt(ab[1], 10) : a;
      return n >= a && n <= b;
    });
  }
  async function byNumber(q) {
    q = norm(q).replace(/^(уик|уч(асток|\.)?|№|no\.?|#)\s*/, "").replace(/^№\s*/, "");
    var n = /^\d+$/.test(q) ? parseInt(q, 10) : NaN;
    var regions = S.manifest.regions.filter(function (x) { return isNaN(n) || typeof x.numbers !== "string" || inRanges(x.numbers, n); });
    if (S.region && isNaN(n)) { regions = regions.filter(function (x) { return x.region === S.region; }); }
    var out = [];
    for (var i = 0; i < regions.length; i++) {
      var r = await loadRegion(regions[i]);
      stationIndex(r).forEach(function (s) { if (s.number === q || norm(s.id) === q) { out.push(item(regions[i].region, r, s.id)); } });
    }
    return { items: out.slice(0, MAX_MATCHES), total: out.length, notFound: out.length ? null : true };
  }
  function byAddress(q) {
    var r = S.regions.get(S.region), res = searchAddress(r, q);
    var items = res.hits.slice(0, MAX_MATCHES).map(function (h) { return item(S.region, r, h.id, h.text); });
    return { items: items, total: res.hits.length, notFound: res.hits.length ? null : true,
             noHouse: res.askedHouse && !res.houseFound && res.hits.length > 0, exact: res.houseFound };
  }

  async function selectRegion(name) {
    S.region = name || null;
    S.station = null; S.results = null; S.message = null;
    renderMatches(); renderBallot();
    if (!name) { return; }
    var region = S.manifest.regions.find(function (x) { return x.region === name; });
    setStatus("loadingRegion");
    await loadRegion(region);
    if (S.region === name) { setStatus.apply(null, keyStatus()); renderTakeaway(); $("search").setAttribute("data-ready", name); }
  }

  async function show(regionName, id, push) {
    if (S.region !== regionName) { $("region").value = regionName; await selectRegion(regionName); }
    S.station = { region: regionName, id: id };
    S.results = null; S.message = null;
    renderMatches();
    renderBallot();
    if (push) { history.replaceState(null, "", "#station=" + encodeURIComponent(id).replace(/%2F/g, "/")); }
    $("ballot").focus();
  }

  async function fromFragment() {
    var m = /(?:^#|&)station=([^&]*)/.exec(location.hash);
    if (!m) { return; }
    var id;
    try { id = decodeURIComponent(m[1]).trim(); } catch (e) { return; }
    if (!id) { $("num").focus(); return; }  // «#station=» from a leaflet's QR code: type the number
    var prefix = id.split("/")[0];
    var same = S.manifest.regions.filter(function (x) { return x.region === prefix; });
    if (same.length) {
      var r = await loadRegion(same[0]);
      if (Object.prototype.hasOwnProperty.call(r.shard.stations, id)) { await show(same[0].region, id, false); return; }
    }
    if (id.indexOf("/") < 0) {
      var res = await byNumber(id);
      if (res.items.length === 1) { await show(res.items[0].region, res.items[0].id, false); return; }
      if (res.items.length) { S.results = res; renderMatches(); return; }
    }
    S.results = { items: [], total: 0, notFound: id };
    renderMatches();
  }

  function guard(fn) { return function () { return Promise.resolve(fn.apply(null, arguments)).catch(fail); }; }

  async function onSearch(ev) {
    ev.preventDefault();
    var nq = $("num").value.trim(), aq = $("q").value.trim();
    S.station = null; S.results = null; S.message = null;
    if (nq) {
      S.results = await byNumber(nq);
    } else if (!aq) {
      S.message = "needQuery";
    } else if (!S.region) {
      S.message = "needRegion";
      $("region").focus();
    } else if (!S.regions.has(S.region)) {
      S.message = "stillLoading";
    } else {
      S.results = byAddress(aq);
    }
    var res = S.results;
    if (res && res.items.length === 1 && (nq || res.exact)) { await show(res.items[0].region, res.items[0].id, true); return; }
    renderBallot();
    renderMatches();
  }

  function registerWorker() {
    if (!online() || !("serviceWorker" in navigator) || location.protocol === "file:") { return; }
    try { navigator.serviceWorker.register("sw.js").catch(function () { /* no offline reopening */ }); } catch (e) { /* ignore */ }
  }

  /* On a repeat visit (the worker holds the saved release), the shard of the region opened
   * last is read from the cache while the manifest is being verified, instead of after: the
   * same bytes, used only when the verified manifest names that very file and hash, and then
   * checked like any other copy. (What is remembered, the last region's shard address, is no
   * more than the worker's cache already shows.) */
  function readEarly() {
    if (!S.fromCache) { return; }
    var last;
    try { last = JSON.parse(store("smartvote:last-shard") || "null"); } catch (e) { return; }
    if (!last || typeof last.url !== "string" || !isRel(last.url.split("?")[0])) { return; }
    var m = /(?:^#|&)station=([^&]*)/.exec(location.hash), want = null;
    try { want = m ? decodeURIComponent(m[1]).split("/")[0] : null; } catch (e) { want = null; }
    if (want && want !== last.region) { return; }
    var p = getSaved(last.url).catch(function () { return null; });
    S.early = { url: last.url, p: p };
  }

  function fillRegions() {
    var sel = $("region"), regions = S.manifest.regions;
    clear(sel);
    if (regions.length > 1) { var o = el("option", t("chooseRegion")); o.value = ""; sel.appendChild(o); }
    regions.forEach(function (r) { var o = el("option", r.region); o.value = r.region; sel.appendChild(o); });
    if (S.region) { sel.value = S.region; }
    $("region-field").hidden = regions.length === 1;
  }

  async function start() {
    $("lang").addEventListener("click", function () { lang = lang === "ru" ? "en" : "ru"; renderAll(); });
    setStatus("checking");
    S.fromCache = online() && controlled();
    readEarly();
    S.manifest = await loadManifest();
    renderVersion();
    $("fp").textContent = S.key.words;
    setStatus.apply(null, keyStatus());
    renderKeybox();
    var sel = $("region");
    if (!online()) {
      var node = document.getElementById("sv-shard");
      var name = node ? parse(new TextEncoder().encode(node.textContent)).region : null;
      var regions = S.manifest.regions.filter(function (r) { return r.region === name; });
      if (!regions.length) { throw new Fail("format"); }
      S.manifest = Object.assign({}, S.manifest, { regions: regions });
    }
    fillRegions();
    sel.addEventListener("change", guard(function () { return selectRegion(sel.value); }));
    $("search").addEventListener("submit", guard(onSearch));
    window.addEventListener("hashchange", guard(fromFragment));
    $("search").hidden = false;
    if (S.manifest.regions.length === 1) { await selectRegion(S.manifest.regions[0].region); }
    setStatus.apply(null, keyStatus());
    await fromFragment();
    // after the first answer is on screen: keep what was verified for the next visit (the
    // worker answers from it), then look for a newer release
    S.painted = true;
    if (!S.fromCache) { await saveVerified(); }
    registerWorker();
    await checkForUpdate();
  }

  function boot() { guard(start)(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", boot); } else { boot(); }
})();
