// Przystań: the voucher scan page without the network (classic script, loaded with `defer` after scan.js).
//
// Page contract (templates/vouchers/scan.html): div#scan-page with data-point, data-manifest-url,
// data-redemptions-url, data-sw-url, data-sw-scope, data-login-url, data-timezone (the centre's), data-locale and
// data-code-length; script#scan-texts (JSON: the translated texts, "%(name)s" placeholders, plural forms by
// Intl.PluralRules category); div#offline-banner (role=status); section#offline-sync with ul#offline-notices and
// div#offline-refused > ul#offline-refused-list; the scan form and #scan-result of scan.js.
//
// 1. Registers the service worker (static/js/scan-sw.js as /scan/sw.js) and asks it to keep this page, so the page
//    opens without the network. When both the page is kept and a list is stored, <html data-offline-ready="true">.
// 2. Keeps the point's list ("manifest", GET data-manifest-url, then ?since=<generated_at>) in IndexedDB: every
//    3 minutes and after each online redemption. Codes are known only by their keyed hash.
// 3. Offline mode: when an htmx request of the scan page fails or takes more than 3 s (or the browser says it is
//    offline), the same scan is decided here from the list, and marked "offline — pending". A failed online
//    confirmation is queued with its own request id: if it had reached the server after all, sending it again
//    changes nothing. Back online when the server answers a refresh (tried every 10 s while offline).
// 4. A confirmation offline is written to IndexedDB (the transaction has completed before "handed out" shows) with
//    {request_id, code, point, lines: [{item, quantity}], offline_at}; what it handed out is taken off the voucher's
//    remaining lines here, so this device refuses the voucher once nothing remains. "Undo" removes it while queued.
// 5. Online again, the queue is sent in order, one at a time (POST data-redemptions-url with offline_at): sent →
//    the code is dropped (a conflict the server recorded is shown); refused → kept on the page's refused list with
//    the server's message; 401/403 → kept, "sign in again"; no answer → offline again.
// 6. A partner shop's till (div#scan-page data-offline="off"): spending needs the network, so none of the above —
//    no list, no queue, no service worker. When a scan or a confirmation gets no answer (or the browser says it is
//    offline), #offline-banner says that spending needs the network (texts: "tillOffline"); it goes once the
//    server answers again.
(function () {
  "use strict";

  const page = document.getElementById("scan-page");
  const textsNode = document.getElementById("scan-texts");
  if (!page || !textsNode) return;
  if (page.dataset.offline === "off") {
    onlineOnly(page, textsNode);
    return;
  }
  if (!window.indexedDB) return;

  const POINT = page.dataset.point;
  const MANIFEST_URL = page.dataset.manifestUrl;
  const REDEMPTIONS_URL = page.dataset.redemptionsUrl;
  const LOGIN_URL = page.dataset.loginUrl;
  const TIMEZONE = page.dataset.timezone || undefined;
  const LOCALE = page.dataset.locale || document.documentElement.lang || "pl";
  const CODE_LENGTH = Number(page.dataset.codeLength) || 17;
  const TEXTS = JSON.parse(textsNode.textContent || "{}");

  // The API answers in the language asked for: the page's, not the browser's (names, units, refusals).
  const JSON_HEADERS = { Accept: "application/json", "Accept-Language": LOCALE };

  const REQUEST_TIMEOUT_MS = 3000; // a request slower than this: offline mode
  const SEND_TIMEOUT_MS = 15000; // sending a queued scan (a retry with the same request id changes nothing)
  const REFRESH_EVERY_MS = 3 * 60 * 1000;
  const PROBE_EVERY_MS = 10 * 1000;

  // ---------------------------------------------------------------- texts

  function fill(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function t(key, values) {
    return fill(TEXTS[key], values || {});
  }

  let pluralRules = null;
  try {
    pluralRules = new Intl.PluralRules(LOCALE);
  } catch (_) {
    pluralRules = null;
  }

  function plural(key, num) {
    const forms = TEXTS[key] || {};
    const category = pluralRules ? pluralRules.select(num) : num === 1 ? "one" : "other";
    return fill(forms[category] || forms.other || forms.one, { num });
  }

  // ---------------------------------------------------------------- dates, times and numbers

  function formatter(options) {
    try {
      return new Intl.DateTimeFormat(LOCALE, { timeZone: TIMEZONE, ...options });
    } catch (_) {
      return new Intl.DateTimeFormat(LOCALE, options); // an unknown time zone: the device's
    }
  }
  const timeFormat = formatter({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  let dayFormat;
  try {
    dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: TIMEZONE, year: "numeric", month: "2-digit", day: "2-digit" });
  } catch (_) {
    dayFormat = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
  }

  // The day (YYYY-MM-DD) of a moment in the centre's time zone.
  function dayOf(moment) {
    return dayFormat.format(moment);
  }

  // A day as the server writes it: 02.12.2026 in Polish and Ukrainian, 2 Dec 2026 in English.
  function dateText(isoDay) {
    const [year, month, day] = isoDay.split("-");
    if (LOCALE === "en") {
      const moment = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
      return new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" }).format(moment);
    }
    return `${day}.${month}.${year}`;
  }

  // A moment: its time today, or its day and time.
  function momentText(value) {
    const moment = new Date(value);
    if (Number.isNaN(moment.getTime())) return "";
    const time = timeFormat.format(moment);
    return dayOf(moment) === dayOf(new Date()) ? time : `${dateText(dayOf(moment))}, ${time}`;
  }

  // Quantities are kept as whole thousandths ("1.5" → 1500): the server's three decimal places, no float errors.
  function toMilli(text) {
    const match = /^(\d+)(?:\.(\d{0,3}))?$/.exec(String(text));
    if (!match) return NaN;
    return Number(match[1]) * 1000 + Number((match[2] || "").padEnd(3, "0"));
  }

  function fromMilli(milli) {
    const whole = Math.floor(milli / 1000);
    const rest = String(milli % 1000).padStart(3, "0").replace(/0+$/, "");
    return rest ? `${whole}.${rest}` : String(whole);
  }

  function numberText(milli) {
    const plain = fromMilli(milli);
    return LOCALE === "en" ? plain : plain.replace(".", ",");
  }

  // ---------------------------------------------------------------- codes: as src/logistics/codes.py

  const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const SEPARATORS = new Set([" ", "-", "_", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"]);
  const MISREADS = { I: "1", L: "1", O: "0" };
  // Python's str.isspace(): Unicode white space and the information separators \x1c-\x1f.
  const SPACE = /^[\s\x1c-\x1f\x85]$/u;

  function normalize(text) {
    let out = "";
    for (const char of String(text).toUpperCase()) {
      if (SEPARATORS.has(char) || SPACE.test(char)) continue;
      out += MISREADS[char] || char;
    }
    return out;
  }

  function checkSymbol(payload) {
    let total = 0;
    for (let position = 0; position < payload.length; position++) {
      let value = ALPHABET.indexOf(payload[payload.length - 1 - position]);
      if (value < 0) return null;
      if (position % 2 === 0) {
        value *= 2;
        value = Math.floor(value / ALPHABET.length) + (value % ALPHABET.length);
      }
      total += value;
    }
    return ALPHABET[(ALPHABET.length - (total % ALPHABET.length)) % ALPHABET.length];
  }

  function isWellFormed(text, length) {
    const symbols = normalize(text);
    if (length < 2 || symbols.length !== length) return false;
    for (const symbol of symbols) if (!ALPHABET.includes(symbol)) return false;
    return checkSymbol(symbols.slice(0, -1)) === symbols.slice(-1);
  }

  function formatCode(symbols) {
    return (symbols.match(/.{1,4}/g) || []).join("-");
  }

  function base64url(bytes) {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(text) {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  }

  // The manifest's name of a normalized code: base64url of the first 9 bytes of HMAC-SHA256 under the point's key.
  async function codeHash(key, code) {
    const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(code));
    return base64url(new Uint8Array(signature).slice(0, 9));
  }

  async function importKey(rawKey) {
    const bytes = typeof rawKey === "string" ? fromBase64url(rawKey) : rawKey;
    // Not extractable: the page can hash with it, nothing can read it back out of the stored list.
    return crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }

  // For the tests: the same results as logistics.codes and logistics.vouchers.offline.code_hash.
  window.PrzystanOffline = {
    normalize,
    isWellFormed,
    codeHash: async (rawKey, code) => codeHash(await importKey(rawKey), normalize(code)),
  };

  // ---------------------------------------------------------------- IndexedDB

  // Stores: manifests (one per point: its key, times and limits), entries ([point, hash] → a voucher, a revoked or
  // an elsewhere code), handouts (request_id → a hand-out of this device: "queued" with its code until sent,
  // "sent" until a list from after the sending has it, "refused" until someone removes it from the page).
  let dbPromise = null;

  function database() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open("przystan-scan", 1);
        request.onupgradeneeded = () => {
          const db = request.result;
          db.createObjectStore("manifests", { keyPath: "point" });
          db.createObjectStore("entries", { keyPath: ["point", "hash"] });
          const handouts = db.createObjectStore("handouts", { keyPath: "request_id" });
          handouts.createIndex("voucher", ["point", "hash"]);
          handouts.createIndex("state", "state");
        };
        request.onsuccess = () => {
          const db = request.result;
          db.onversionchange = () => db.close();
          resolve(db);
        };
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error("IndexedDB blocked"));
      });
      dbPromise.catch(() => {
        dbPromise = null;
      });
    }
    return dbPromise;
  }

  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  // Runs `work(transaction)` and resolves with its result once the transaction has *completed* (durably written:
  // "strict" asks the browser to flush it to disk first), rejects if it aborted. `work` may await requests of the
  // transaction, nothing else (the transaction would end in between).
  async function transaction(stores, mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(stores, mode, mode === "readwrite" ? { durability: "strict" } : undefined);
      let result;
      tx.oncomplete = () => resolve(result);
      tx.onabort = () => reject(tx.error || new Error("aborted"));
      tx.onerror = () => reject(tx.error || new Error("failed"));
      Promise.resolve()
        .then(() => work(tx))
        .then(
          (value) => {
            result = value;
          },
          (error) => {
            try {
              tx.abort();
            } catch (_) {
              // already finished
            }
            reject(error);
          },
        );
    });
  }

  const read = (stores, work) => transaction(stores, "readonly", work);
  const write = (stores, work) => transaction(stores, "readwrite", work);

  function handoutsIn(tx, state) {
    return done(tx.objectStore("handouts").index("state").getAll(state));
  }

  // ---------------------------------------------------------------- the list (manifest)

  let manifest = null; // this point's record, with its CryptoKey
  let pageKept = false;

  function markReady() {
    if (manifest && pageKept) document.documentElement.dataset.offlineReady = "true";
  }

  async function loadManifest() {
    manifest = (await read(["manifests"], (tx) => done(tx.objectStore("manifests").get(POINT)))) || null;
    if (manifest) document.documentElement.dataset.offlineList = manifest.generated_at;
    markReady();
  }

  // A day `days` after an ISO date ("2026-12-02", -1 → "2026-12-01"): the manifest gives validity in days from its
  // `today`, which keeps 5,000 vouchers small.
  function dayFrom(iso, days) {
    const day = new Date(`${iso}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() + Number(days));
    return day.toISOString().slice(0, 10);
  }

  // The compact rows (indices into this response's lists) resolved into stored objects, keyed by hash.
  function entriesOf(body) {
    const programmes = body.programmes || [];
    const goods = (body.goods || []).map(([id, name, unit, kit, whole]) => ({ id, name, unit, kit, whole }));
    const entries = [];
    for (const [hash, holder, householdSize, programme, validFrom, validUntil, status, lines] of body.vouchers || []) {
      entries.push({
        point: POINT,
        hash,
        kind: "voucher",
        holder,
        household_size: householdSize,
        programme: programmes[programme] || "",
        valid_from: dayFrom(body.today, validFrom),
        valid_until: dayFrom(body.today, validUntil),
        status,
        lines: (lines || []).map(([index, remaining]) => ({ goods: goods[index], remaining: toMilli(remaining) || 0 })),
      });
    }
    for (const hash of body.revoked || []) entries.push({ point: POINT, hash, kind: "revoked" });
    for (const [hash, points] of body.elsewhere || []) entries.push({ point: POINT, hash, kind: "elsewhere", points });
    return entries;
  }

  async function storeManifest(body, startedAt) {
    const key = await importKey(body.key); // before the transaction: an await on anything else would end it
    const record = {
      point: POINT,
      point_name: body.point_name,
      generated_at: body.generated_at,
      fetched_at: startedAt,
      today: body.today,
      offline_hours: Number(body.offline_hours) || 8,
      key,
    };
    const entries = entriesOf(body);
    await write(["manifests", "entries", "handouts"], async (tx) => {
      const store = tx.objectStore("entries");
      if (body.full) store.delete(IDBKeyRange.bound([POINT, ""], [POINT, "\uffff"]));
      for (const entry of entries) store.put(entry);
      tx.objectStore("manifests").put(record);
      // Hand-outs sent before this list was asked for are in it now: stop taking them off here.
      const handouts = tx.objectStore("handouts");
      for (const handout of await handoutsIn(tx, "sent")) {
        if (handout.point === POINT && handout.sent_at < startedAt) handouts.delete(handout.request_id);
      }
    });
    manifest = record;
    document.documentElement.dataset.offlineList = record.generated_at;
    markReady();
  }

  // A JSON request with two limits: `answerMs` for the answer to begin (longer: offline mode), `bodyMs` for its
  // body to arrive (a connection that stalls half-way must not leave the page waiting for ever).
  async function requestJson(url, options, answerMs, bodyMs) {
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), answerMs);
    try {
      const response = await fetch(url, { credentials: "same-origin", ...options, signal: controller.signal });
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), bodyMs);
      let body = null;
      try {
        body = await response.json();
      } catch (error) {
        if (controller.signal.aborted) throw error;
        body = null; // not JSON: a proxy's error page, say
      }
      return { status: response.status, ok: response.ok, body };
    } finally {
      clearTimeout(timer);
    }
  }

  let refreshing = null;

  // Ask for the list (only what changed since the last one, when there is one). Resolves true when the server
  // answered (even with 401: it is there, the sign-in is not), false when it did not.
  function refresh() {
    if (!refreshing) {
      refreshing = (async () => {
        const startedAt = Date.now();
        let url = MANIFEST_URL;
        if (manifest && manifest.generated_at) url += `?since=${encodeURIComponent(manifest.generated_at)}`;
        let response;
        try {
          // The first list of this device may be large (5,000 vouchers, ~500 kB): it gets longer.
          const answerMs = manifest ? REQUEST_TIMEOUT_MS : 10000;
          response = await requestJson(url, { headers: JSON_HEADERS }, answerMs, 30000);
        } catch (_) {
          return false;
        }
        if (response.status === 401 || response.status === 403) {
          setSignedOut(true);
          return true;
        }
        if (response.status >= 500) return false;
        if (!response.ok) return true; // e.g. 404: the server answers, there is no list for us
        if (!response.body || !response.body.key) return true;
        try {
          await storeManifest(response.body, startedAt);
        } catch (error) {
          if (window.console) console.warn("The list for offline scanning could not be stored:", error);
          return true;
        }
        setSignedOut(false);
        return true;
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  // ---------------------------------------------------------------- online / offline

  let online = true;
  let signedOut = false; // the server answered 401/403: the session expired, the queue waits for a new sign-in
  let probeTimer = null;
  let refreshTimer = null;

  function setSignedOut(value) {
    if (signedOut !== value) {
      signedOut = value;
      updateBanner();
      if (!value) sendQueue();
    }
  }

  function goOffline() {
    if (online) {
      online = false;
      updateBanner();
    }
    if (probeTimer === null) {
      probeTimer = setInterval(async () => {
        if (await refresh()) goOnline();
      }, PROBE_EVERY_MS);
    }
  }

  function goOnline() {
    if (probeTimer !== null) clearInterval(probeTimer);
    probeTimer = null;
    if (!online) {
      online = true;
      updateBanner();
    }
    sendQueue();
  }

  async function checkNow() {
    if (await refresh()) goOnline();
    else goOffline();
  }

  window.addEventListener("offline", goOffline);
  window.addEventListener("online", checkNow);

  // ---------------------------------------------------------------- the banner and the lists of sent and refused

  const banner = document.getElementById("offline-banner");
  const syncBox = document.getElementById("offline-sync");
  const notices = document.getElementById("offline-notices");
  const refusedBox = document.getElementById("offline-refused");
  const refusedList = document.getElementById("offline-refused-list");
  let waiting = 0;

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function updateBanner() {
    if (!banner) return;
    const parts = [];
    banner.classList.remove("auth", "sending");
    if (signedOut && waiting > 0) {
      banner.classList.add("auth");
      banner.replaceChildren(plural("auth", waiting), " ", el("a", { href: LOGIN_URL }, t("signIn")));
      banner.hidden = false;
      return;
    }
    if (!online) {
      parts.push(manifest ? t("offline", { time: momentText(manifest.generated_at) }) : t("offlineNoList"));
      if (waiting > 0) parts.push(plural("waiting", waiting));
      banner.replaceChildren(parts.join(" "));
      banner.hidden = false;
      return;
    }
    if (waiting > 0) {
      banner.classList.add("sending");
      banner.replaceChildren(`${t("sending")} ${plural("waiting", waiting)}`);
      banner.hidden = false;
      return;
    }
    banner.hidden = true;
    banner.replaceChildren();
  }

  async function showQueue() {
    const [queued, refused] = await read(["handouts"], async (tx) => [
      await handoutsIn(tx, "queued"),
      await handoutsIn(tx, "refused"),
    ]);
    waiting = queued.length;
    updateBanner();
    refusedList.replaceChildren(
      ...refused.map((handout) => {
        const dismiss = el("button", { type: "button", class: "button secondary small" }, t("dismiss"));
        dismiss.addEventListener("click", async () => {
          if (!window.confirm(t("dismissAsk"))) return;
          await write(["handouts"], (tx) => tx.objectStore("handouts").delete(handout.request_id));
          showQueue();
        });
        const text = t("refusedItem", {
          holder: handout.holder || "",
          time: momentText(handout.offline_at),
          code: formatCode(handout.code || ""),
          message: handout.message || "",
        });
        return el("li", { "data-request-id": handout.request_id }, el("span", {}, text), dismiss);
      }),
    );
    refusedBox.hidden = refused.length === 0;
    syncBox.hidden = refused.length === 0 && notices.children.length === 0;
  }

  function notice(text, conflict) {
    notices.append(el("li", { class: conflict ? "conflict" : null }, text));
    while (notices.children.length > 20) notices.firstElementChild.remove();
    syncBox.hidden = false;
  }

  // ---------------------------------------------------------------- sending the queue

  let sending = false;
  let sendingId = null;

  async function sendQueue() {
    if (sending || !online || signedOut) return;
    sending = true;
    let sent = 0;
    try {
      for (;;) {
        const queued = await read(["handouts"], (tx) => handoutsIn(tx, "queued"));
        if (queued.length === 0) break;
        queued.sort((a, b) => a.seq - b.seq); // in the order they were handed out
        const handout = queued[0];
        sendingId = handout.request_id;
        let response;
        try {
          response = await requestJson(
            REDEMPTIONS_URL,
            {
              method: "POST",
              headers: { ...JSON_HEADERS, "Content-Type": "application/json" },
              body: JSON.stringify({
                code: handout.code,
                point: handout.point,
                request_id: handout.request_id,
                lines: handout.lines,
                offline_at: handout.offline_at,
              }),
            },
            SEND_TIMEOUT_MS,
            SEND_TIMEOUT_MS,
          );
        } catch (_) {
          goOffline(); // no answer: it stays queued, and goes again with the same request id
          break;
        }
        if (response.status === 401 || response.status === 403) {
          setSignedOut(true);
          break;
        }
        if (response.status >= 500 || response.status === 408 || response.status === 429) break; // later
        const body = response.body || {};
        if (response.ok) {
          // Sent: the code is dropped; the hand-out stays taken off here until a list from after now has it.
          await write(["handouts"], (tx) =>
            tx.objectStore("handouts").put({ ...handout, code: undefined, state: "sent", sent_at: Date.now(), conflict: body.conflict || null }),
          );
          sent += 1;
          const values = { holder: handout.holder || "", time: momentText(handout.offline_at) };
          notice(body.conflict ? t("conflict", values) : t("sent", values), Boolean(body.conflict));
        } else {
          // Refused (the time is implausible, the point is not ours, ...): never dropped silently.
          await write(["handouts"], (tx) =>
            tx.objectStore("handouts").put({
              ...handout,
              state: "refused",
              error: body.error || String(response.status),
              message: body.message || String(response.status),
            }),
          );
        }
        sendingId = null;
        await showQueue();
      }
    } catch (error) {
      if (window.console) console.warn("Sending the offline scans stopped:", error);
    } finally {
      sending = false;
      sendingId = null;
      await showQueue().catch(() => {});
    }
    if (sent > 0) refresh();
  }

  // ---------------------------------------------------------------- deciding a scan offline

  function refusal(message, reason) {
    return { refused: message, reason: reason || "list" };
  }

  // Everything this device handed out of a voucher and the server's list does not show yet: item → thousandths.
  async function handedHere(hash) {
    const handouts = await read(["handouts"], (tx) =>
      done(tx.objectStore("handouts").index("voucher").getAll([POINT, hash])),
    );
    const taken = new Map();
    let last = null;
    for (const handout of handouts) {
      for (const line of handout.lines) taken.set(line.item, (taken.get(line.item) || 0) + toMilli(line.quantity));
      if (!last || handout.offline_at > last) last = handout.offline_at;
    }
    return { taken, last };
  }

  function localToday() {
    const today = dayOf(new Date());
    return manifest && manifest.today > today ? manifest.today : today; // never before the server's day
  }

  async function decide(text) {
    const code = normalize(text);
    if (!isWellFormed(code, CODE_LENGTH)) return refusal(t("malformed"), "malformed");
    if (!manifest) return refusal(t("noList"));
    const listTime = momentText(manifest.generated_at);
    const hours = manifest.offline_hours;
    const since = Math.min(Date.parse(manifest.generated_at), manifest.fetched_at || Infinity);
    if (Date.now() > since + hours * 3600 * 1000) return refusal(t("tooLong", { time: listTime, hours }));
    const hash = await codeHash(manifest.key, code);
    const entry = await read(["entries"], (tx) => done(tx.objectStore("entries").get([POINT, hash])));
    if (!entry) return refusal(t("unknown", { time: listTime }));
    if (entry.kind === "revoked") return refusal(t("revoked"));
    if (entry.kind === "elsewhere") return refusal(t("wrongPoint", { points: entry.points }));
    const today = localToday();
    if (entry.valid_until < today) return refusal(t("expired", { day: dateText(entry.valid_until) }));
    if (entry.valid_from > today) return refusal(t("notYetValid", { day: dateText(entry.valid_from) }));
    const { taken, last } = await handedHere(hash);
    const lines = entry.lines
      .map((line) => ({ goods: line.goods, remaining: line.remaining - (taken.get(line.goods.id) || 0) }))
      .filter((line) => line.remaining > 0);
    if (entry.status === "redeemed" || lines.length === 0) {
      if (last) return refusal(t("redeemedHere", { time: momentText(last) }), "here");
      return refusal(t("redeemedList", { time: listTime }));
    }
    return { code, hash, entry, lines, partly: last ? t("partlyHere", { time: momentText(last) }) : null };
  }

  // ---------------------------------------------------------------- showing results

  function mark() {
    return el("p", { class: "offline-mark" }, t("mark", { time: manifest ? momentText(manifest.generated_at) : "" }));
  }

  function show(outcome, ...children) {
    const old = document.getElementById("scan-result");
    if (!old) return null;
    const box = el("div", { id: "scan-result", class: `scan-result ${outcome} offline`, "data-outcome": outcome }, mark(), ...children);
    old.replaceWith(box);
    box.dispatchEvent(new CustomEvent("scan:offline-result", { bubbles: true }));
    return box;
  }

  function showRefusal(message) {
    show("refused", el("p", { class: "verdict" }, `✗ ${message}`));
  }

  function randomId() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function quantityInput(line, value, error) {
    const name = `qty-${line.goods.id}`;
    return el(
      "tr",
      {},
      el("td", {}, el("label", { for: name }, line.goods.name)),
      el(
        "td",
        {},
        el("input", {
          class: "text-input qty",
          id: name,
          name,
          inputmode: line.goods.whole ? "numeric" : "decimal",
          maxlength: 10,
          value,
          "aria-invalid": error ? "true" : null,
          "aria-describedby": error ? `${name}-error` : null,
        }),
        ` ${line.goods.unit}`,
        error ? el("p", { class: "field-error", id: `${name}-error` }, error) : null,
      ),
    );
  }

  // A quantity typed as the online form takes it ("1,5" or "1.5"; empty: none of it), checked against the line.
  function parseQuantity(text, line) {
    const cleaned = String(text).replace(/[\u00a0 ]/g, "").replace(/zł/g, "").replace(/,/g, ".");
    if (cleaned === "") return { milli: null };
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(cleaned)) return { error: t("notNumber") };
    if (cleaned.startsWith("-") && Number(cleaned) < 0) return { error: t("negative") };
    const [whole, fraction = ""] = cleaned.replace(/^[+-]/, "").split(".");
    const decimals = fraction.replace(/0+$/, "");
    if (line.goods.whole && decimals) return { error: t("notWhole") };
    if (decimals.length > 3) return { error: t("places") };
    const milli = toMilli(`${whole || "0"}.${decimals}`);
    if (milli > line.remaining) return { error: t("above", { n: numberText(line.remaining) }) };
    return { milli };
  }

  function showValid(view, values, errors, formError) {
    const requestId = view.requestId || randomId();
    const rows = view.lines.map((line) =>
      quantityInput(line, values ? values[line.goods.id] : numberText(line.remaining), errors && errors[line.goods.id]),
    );
    const button = el("button", { type: "submit", class: "button primary wide" }, t("confirm"));
    const form = el(
      "form",
      { class: "offline-redeem", novalidate: true },
      el("table", { class: "table handout-table" }, el("tbody", {}, rows)),
      formError ? el("p", { class: "field-error" }, formError) : null,
      button,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (button.disabled) return; // a double tap
      button.disabled = true;
      confirmOffline({ ...view, requestId }, form).finally(() => {
        button.disabled = false;
      });
    });
    const holder = [view.entry.holder, plural("person", view.entry.household_size), view.entry.programme].join(" · ");
    show(
      "ok",
      view.partly ? el("p", { class: "small" }, view.partly) : null,
      el("p", { class: "verdict" }, `✓ ${t("valid")}`),
      el("p", { class: "holder" }, holder),
      form,
    );
  }

  async function decideAndShow(text) {
    try {
      const view = await decide(text);
      if (view.refused) showRefusal(view.refused);
      else showValid(view);
    } catch (error) {
      if (window.console) console.warn("The scan could not be decided offline:", error);
      showRefusal(t("saveFailed"));
    }
  }

  // Store a confirmed hand-out; only once its transaction has completed is it shown as handed out.
  async function queue(handout) {
    await write(["handouts"], (tx) => tx.objectStore("handouts").put(handout));
    showQueue().catch(() => {}); // the banner's count: it is saved whatever happens here
  }

  let seq = 0;
  function nextSeq() {
    seq = Math.max(seq + 1, Date.now() * 1000);
    return seq;
  }

  async function confirmOffline(view, form, maybeSent = false) {
    const values = {};
    const errors = {};
    const lines = [];
    for (const line of view.lines) {
      const input = form.elements.namedItem(`qty-${line.goods.id}`);
      values[line.goods.id] = input ? input.value : "";
      const parsed = parseQuantity(values[line.goods.id], line);
      if (parsed.error) errors[line.goods.id] = parsed.error;
      else if (parsed.milli) lines.push({ item: line.goods.id, quantity: fromMilli(parsed.milli), milli: parsed.milli, line });
    }
    if (Object.keys(errors).length > 0) return showValid(view, values, errors);
    if (lines.length === 0) return showValid(view, values, null, t("nothing"));
    const handout = {
      request_id: view.requestId,
      point: POINT,
      hash: view.hash,
      code: view.code,
      holder: view.entry.holder,
      lines: lines.map(({ item, quantity }) => ({ item, quantity })),
      offline_at: new Date().toISOString(),
      state: "queued",
      seq: nextSeq(),
      maybe_sent: maybeSent,
    };
    try {
      await queue(handout);
    } catch (error) {
      if (window.console) console.warn("The offline scan could not be saved:", error);
      return showValid(view, values, null, t("saveFailed"));
    }
    const rest = view.lines.some((line) => {
      const given = lines.find((l) => l.item === line.goods.id);
      return line.remaining - (given ? given.milli : 0) > 0;
    });
    showHandedOut(handout, lines, rest);
  }

  function showHandedOut(handout, lines, rest) {
    // A confirmation the server may have recorded already (its answer was lost) is not undone on the device: the
    // server would keep it. Once sent, it is undone on the scan page or by a coordinator, as online.
    let undo = el("p", { class: "small" }, t("undoMaybeSent"));
    if (!handout.maybe_sent) {
      undo = el("button", { type: "button", class: "button secondary wide" }, t("undo"));
      undo.addEventListener("click", () => undoOffline(handout));
    }
    show(
      "ok",
      el("p", { class: "verdict" }, `✓ ${t("handedOut")} ${t("next")}`),
      el(
        "ul",
        { class: "handout" },
        lines.map(({ milli, line }) => el("li", {}, `${numberText(milli)} ${line.goods.unit} ${line.goods.name}`)),
      ),
      rest ? el("p", {}, t("rest")) : null,
      undo,
    );
  }

  async function undoOffline(handout) {
    if (sendingId === handout.request_id) return showRefusal(t("undoSending"));
    const removed = await write(["handouts"], async (tx) => {
      const store = tx.objectStore("handouts");
      const current = await done(store.get(handout.request_id));
      if (!current || current.state !== "queued") return false;
      store.delete(handout.request_id);
      return true;
    });
    await showQueue();
    if (!removed) return showRefusal(t("undoSending"));
    show("ok", el("p", { class: "verdict" }, `↺ ${t("undone")}`));
  }

  // ---------------------------------------------------------------- the scan page's htmx requests

  function scanRequest(detail) {
    const path = detail && detail.path ? new URL(detail.path, location.href).pathname : "";
    const prefix = `/scan/${POINT}/`;
    if (!path.startsWith(prefix)) return null;
    const kind = path.slice(prefix.length);
    return kind === "look" || kind === "redeem" ? kind : null;
  }

  function formValues(requestConfig) {
    const data = requestConfig && requestConfig.formData;
    const get = (name) => (data && typeof data.get === "function" ? data.get(name) : null);
    const quantities = {};
    if (data && typeof data.forEach === "function") {
      data.forEach((value, name) => {
        if (name.startsWith("qty-")) quantities[name.slice(4)] = String(value);
      });
    }
    // The names of the goods and the holder as the server's result shows them (for a confirmation queued blind).
    const names = {};
    const box = requestConfig && requestConfig.elt ? requestConfig.elt.closest("#scan-result") : null;
    for (const item of Object.keys(quantities)) {
      const label = box ? box.querySelector(`label[for="qty-${CSS.escape(item)}"]`) : null;
      names[item] = label ? label.textContent.trim() : "";
    }
    const holderNode = box ? box.querySelector(".holder") : null;
    const holder = holderNode ? holderNode.textContent.split("·")[0].trim() : "";
    return { code: String(get("code") || ""), requestId: String(get("request_id") || ""), quantities, names, holder };
  }

  // A confirmation of a result the server showed, sent when the network had gone (or that got no answer). The
  // server's "valid" of a moment ago is newer than the list, and the request may have reached it after all: it is
  // queued with its own request id and lines (sent again, it changes nothing if it was recorded) — checked against
  // the list where the list knows the voucher, refused only when this device has handed it out meanwhile.
  async function confirmAfterFailure(values) {
    let view = null;
    try {
      view = await decide(values.code);
    } catch (_) {
      view = null;
    }
    if (view && view.refused && (view.reason === "here" || view.reason === "malformed")) return showRefusal(view.refused);
    if (view && !view.refused) {
      const byGoods = new Map(view.lines.map((line) => [line.goods.id, line]));
      const form = el("form");
      for (const [goods, value] of Object.entries(values.quantities)) {
        if (byGoods.has(goods)) form.append(el("input", { name: `qty-${goods}`, value }));
      }
      return confirmOffline({ ...view, requestId: values.requestId || randomId() }, form, true);
    }
    // Not on the list (or the list says no): what the server's form said, as it was typed.
    const lines = [];
    for (const [item, value] of Object.entries(values.quantities)) {
      const milli = toMilli(String(value).replace(/[\u00a0 ]/g, "").replace(",", "."));
      if (milli > 0) {
        const goods = { id: item, name: values.names[item] || "", unit: "", whole: false };
        lines.push({ item, quantity: fromMilli(milli), milli, line: { goods, remaining: milli } });
      }
    }
    if (lines.length === 0) return showRefusal(t("nothing"));
    const code = normalize(values.code);
    const handout = {
      request_id: values.requestId || randomId(),
      point: POINT,
      hash: manifest ? await codeHash(manifest.key, code) : null,
      code,
      holder: values.holder,
      lines: lines.map(({ item, quantity }) => ({ item, quantity })),
      offline_at: new Date().toISOString(),
      state: "queued",
      seq: nextSeq(),
      maybe_sent: true,
    };
    try {
      await queue(handout);
    } catch (error) {
      if (window.console) console.warn("The offline scan could not be saved:", error);
      return showRefusal(t("saveFailed"));
    }
    showHandedOut(handout, lines, false);
  }

  const scanRequests = new WeakMap(); // htmx's request config → what it carried, for the handlers below

  document.addEventListener("htmx:configRequest", (event) => {
    const detail = event.detail;
    const kind = scanRequest(detail);
    if (!kind) return;
    const values = formValues(detail);
    if (!online) {
      event.preventDefault(); // offline: not sent at all, decided here at once
      clearFlash();
      if (kind === "look") decideAndShow(values.code);
      else confirmAfterFailure(values);
      return;
    }
    detail.timeout = REQUEST_TIMEOUT_MS;
    scanRequests.set(detail, { kind, values });
  });

  function clearFlash() {
    const box = document.getElementById("flashes");
    if (box) box.replaceChildren();
  }

  function failed(event) {
    const detail = event.detail || {};
    const sent = detail.requestConfig && scanRequests.get(detail.requestConfig);
    if (!sent) return;
    const status = detail.xhr ? detail.xhr.status : 0;
    if (event.type === "htmx:responseError" && ![0, 502, 503, 504].includes(status)) return; // the server answered
    scanRequests.delete(detail.requestConfig); // decided once
    goOffline();
    clearFlash(); // app.js said "no connection"; the banner says it now, and the scan goes on
    if (sent.kind === "look") decideAndShow(sent.values.code);
    else confirmAfterFailure(sent.values);
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
  document.addEventListener("htmx:responseError", failed);

  // An online confirmation that was recorded: this device takes it off the voucher until the refreshed list has it
  // (so a network drop right after it does not let the voucher be handed out again), and refreshes the list.
  document.addEventListener("htmx:afterRequest", async (event) => {
    const detail = event.detail || {};
    const sent = detail.requestConfig && scanRequests.get(detail.requestConfig);
    if (!sent || !detail.successful || !detail.xhr) return;
    if (!online) goOnline();
    if (sent.kind !== "redeem") return;
    const html = detail.xhr.responseText || "";
    if (!html.includes('data-outcome="ok"') || !html.includes("/undo/")) return;
    try {
      const code = normalize(sent.values.code);
      if (manifest && isWellFormed(code, CODE_LENGTH)) {
        const hash = await codeHash(manifest.key, code);
        const lines = Object.entries(sent.values.quantities)
          .map(([item, value]) => ({ item, quantity: fromMilli(toMilli(value.replace(/[\u00a0 ]/g, "").replace(",", ".")) || 0) }))
          .filter((line) => line.quantity !== "0");
        await write(["handouts"], (tx) =>
          tx.objectStore("handouts").put({
            request_id: sent.values.requestId || randomId(),
            point: POINT,
            hash,
            lines,
            offline_at: new Date().toISOString(),
            state: "sent",
            sent_at: Date.now(),
            seq: nextSeq(),
          }),
        );
      }
    } catch (_) {
      // the refresh below brings the same
    }
    refresh();
  });

  // ---------------------------------------------------------------- the service worker

  function keepPage(registration) {
    const worker = registration.active || navigator.serviceWorker.controller;
    if (!worker) return Promise.resolve(false);
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(false), 20000);
      channel.port1.onmessage = (event) => {
        clearTimeout(timer);
        resolve(Boolean(event.data && event.data.cached));
      };
      worker.postMessage({ type: "cache-page", path: location.pathname }, [channel.port2]);
    });
  }

  async function startWorker() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(page.dataset.swUrl, { scope: page.dataset.swScope });
      const registration = await navigator.serviceWorker.ready;
      pageKept = await keepPage(registration);
      markReady();
    } catch (error) {
      if (window.console) console.warn("The page cannot be kept for offline use:", error);
    }
  }

  // ---------------------------------------------------------------- start

  (async () => {
    try {
      await loadManifest();
      await showQueue();
    } catch (error) {
      if (window.console) console.warn("The offline store cannot be opened:", error);
      return;
    }
    if (navigator.onLine === false) goOffline();
    else checkNow();
    refreshTimer = setInterval(() => {
      if (online) checkNow();
    }, REFRESH_EVERY_MS);
    startWorker();
  })();

  // ---------------------------------------------------------------- a partner shop's till: online only

  function onlineOnly(scanPage, texts) {
    const TILL_TIMEOUT_MS = 15000; // a spend is decided on the server; a retry with the same request id is harmless
    const banner = document.getElementById("offline-banner");
    let message = "";
    try {
      message = JSON.parse(texts.textContent || "{}").tillOffline || "";
    } catch (_) {
      message = "";
    }
    const show = (offline) => {
      if (!banner) return;
      banner.hidden = !offline;
      banner.replaceChildren(offline ? message : "");
    };
    const ours = (event) => {
      const detail = event.detail || {};
      const target = detail.elt || event.target;
      return target instanceof Element && scanPage.contains(target);
    };
    const failed = (event) => {
      if (!ours(event)) return;
      const status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
      if (event.type === "htmx:responseError" && ![0, 502, 503, 504].includes(status)) return; // the server answered
      show(true);
    };
    document.addEventListener("htmx:configRequest", (event) => {
      if (ours(event) && event.detail) event.detail.timeout = TILL_TIMEOUT_MS; // no answer: say so, do not hang
    });
    document.addEventListener("htmx:sendError", failed);
    document.addEventListener("htmx:timeout", failed);
    document.addEventListener("htmx:responseError", failed);
    document.addEventListener("htmx:afterRequest", (event) => {
      if (ours(event) && event.detail && event.detail.successful) show(false);
    });
    window.addEventListener("offline", () => show(true));
    window.addEventListener("online", () => show(false));
    if (navigator.onLine === false) show(true);
  }
})();
