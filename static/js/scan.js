// Przystań: the voucher scan page (classic script, loaded with `defer`; no inline scripts because of the CSP).
//
// Page contract: form#scan-form (htmx, hx-target="#scan-result") holding input#scan-code and the hidden
// input#scan-request-id; button#camera-toggle (hidden, data-label-start / data-label-stop, optional
// data-error-message shown in #flashes when the camera cannot start); video#camera-view (hidden, playsinline,
// muted); div#scan-result (inside the stable aria-live div#scan-live), whose swapped content may carry
// data-outcome="ok", "refused" or "undone" (a replayed confirmation that was undone). A result decided offline by
// static/js/scan-offline.js is put in place by that script, which then dispatches "scan:offline-result" on the new
// #scan-result (bubbling): it gets the same beep and focus handling as an htmx swap.
//
// 1. Keeps #scan-code focused for a handheld scanner (it types the code and Enter), without stealing focus from
//    other controls the user is working with.
// 2. Gives every new scan a fresh request_id; re-submitting the same, unchanged code (a retry) keeps its id.
// 3. Camera scanning: the browser's BarcodeDetector where it reads QR codes, else the barcode-detector ponyfill
//    from our static files (import()ed only then), whose ZXing wasm is served from our static files too.
// 4. A beep and a vibration for the outcome of each scan.
(function () {
  "use strict";

  const form = document.getElementById("scan-form");
  const codeInput = document.getElementById("scan-code");
  const requestIdInput = document.getElementById("scan-request-id");
  if (!form || !codeInput) return;

  // Where this script was loaded from: the vendored ponyfill is found relative to it (/static/vendor/...).
  const scriptUrl = (document.currentScript && document.currentScript.src) || new URL("/static/js/scan.js", location.href).href;
  const vendorBase = new URL("../vendor/barcode-detector/", scriptUrl).href;

  const SCAN_INTERVAL_MS = 250; // how often a camera frame is examined
  const SAME_CODE_QUIET_MS = 3000; // the same code seen again within this time is ignored

  // Camera state, declared up here because the focus code asks about it even where there is no camera.
  let stream = null;
  let starting = false;
  function cameraRunning() {
    return stream !== null || starting;
  }

  // ---------------------------------------------------------------- request_id: one per scan, kept on retries

  function randomId() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID(); // secure contexts only
      } catch (_) {
        // fall through
      }
    }
    const bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes); // available in insecure contexts too
    } else {
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // RFC 4122 version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // A changed code is a new scan: it gets a new id when it is submitted. Submitting the same code again without
  // changing it (Enter after a network error) is a retry and keeps the id, so the server can recognise it.
  let newScan = true;
  codeInput.addEventListener("input", () => {
    newScan = true;
  });

  // Capture phase on the document: runs before htmx's own submit listener on the form reads the values.
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target !== form || !requestIdInput) return;
      if (newScan || !requestIdInput.value) requestIdInput.value = randomId();
      newScan = false;
    },
    true,
  );

  function submitCode(text) {
    codeInput.value = text;
    newScan = true;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(); // fires "submit", so htmx sends it and the id above is set
    } else {
      form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true })); // htmx handles it
    }
  }

  // ---------------------------------------------------------------- focus: #scan-code is where the scanner types

  const CONTROLS = "input, select, textarea, button, a[href], [contenteditable]:not([contenteditable='false']), [tabindex]";

  function isControl(element) {
    return element instanceof Element && element !== document.body && element.matches(CONTROLS);
  }

  function focusCode(select) {
    if (cameraRunning()) return; // on a phone the on-screen keyboard would cover the camera view
    if (!codeInput.isConnected || codeInput.disabled) return;
    try {
      codeInput.focus({ preventScroll: true });
      if (select) codeInput.select();
    } catch (_) {
      // ignore
    }
  }

  // Refocus only when nothing else useful has the focus (the body, or a non-control element).
  function focusCodeIfIdle(select) {
    const active = document.activeElement;
    if (active === codeInput) {
      if (select) codeInput.select();
      return;
    }
    if (active && isControl(active)) return;
    const selection = window.getSelection ? window.getSelection() : null;
    if (selection && !selection.isCollapsed) return; // the user is selecting text to copy
    focusCode(select);
  }

  // Focus leaving any element (the code input, or a quantity input in the result) for nothing in particular — a
  // tap on the page's background or text — comes back to the code input. Moving to another control does not.
  document.addEventListener("focusout", (event) => {
    if (isControl(event.relatedTarget)) return;
    setTimeout(() => focusCodeIfIdle(false), 0);
  });

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") focusCodeIfIdle(false);
  });

  // A handheld scanner may start typing before the browser applies `autofocus`: focus now (this runs before it).
  focusCodeIfIdle(false);

  // After a result is swapped in (and htmx has applied any autofocus in it), get ready for the next scan; the
  // previous code stays visible but selected, so the next scan replaces it.
  document.addEventListener("htmx:afterSettle", () => {
    setTimeout(() => focusCodeIfIdle(true), 0);
  });

  // ---------------------------------------------------------------- feedback: beep and vibrate on the outcome

  let audioContext = null;

  function getAudioContext() {
    try {
      if (!audioContext) {
        const Context = window.AudioContext || window.webkitAudioContext;
        if (!Context) return null;
        audioContext = new Context();
      }
      if (audioContext.state === "suspended") audioContext.resume().catch(() => {});
      return audioContext;
    } catch (_) {
      return null;
    }
  }

  // Browsers only let audio start after a user gesture: unlock it on the first key press or touch (a handheld
  // scanner's keystrokes count).
  function unlockAudio() {
    if (getAudioContext()) {
      document.removeEventListener("keydown", unlockAudio, true);
      document.removeEventListener("pointerdown", unlockAudio, true);
    }
  }
  document.addEventListener("keydown", unlockAudio, true);
  document.addEventListener("pointerdown", unlockAudio, true);

  function tone(context, frequency, start, duration, type) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = type;
    oscillator.frequency.setValueAtTime(frequency, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
    oscillator.connect(gain);
    gain.connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + duration + 0.02);
  }

  function feedback(outcome) {
    try {
      const context = getAudioContext();
      if (context && context.state === "running") {
        const now = context.currentTime + 0.01;
        if (outcome === "ok") {
          tone(context, 1760, now, 0.12, "sine"); // short high beep
        } else if (outcome === "undone") {
          tone(context, 660, now, 0.2, "sine"); // one middle beep: nothing to hand out, nothing wrong either
        } else {
          tone(context, 220, now, 0.18, "square"); // low double beep
          tone(context, 220, now + 0.26, 0.18, "square");
        }
      }
    } catch (_) {
      // no sound then
    }
    try {
      if (typeof navigator.vibrate === "function") {
        navigator.vibrate(outcome === "ok" ? 60 : outcome === "undone" ? 200 : [300, 120, 300, 120, 300]);
      }
    } catch (_) {
      // no vibration then
    }
  }

  // htmx dispatches htmx:afterSwap on each swapped element: the target (innerHTML) or the new element (outerHTML).
  document.addEventListener("htmx:afterSwap", (event) => {
    const swapped = event.target;
    if (!(swapped instanceof Element)) return;
    const resultBox = document.getElementById("scan-result");
    if (!resultBox || !(resultBox === swapped || resultBox.contains(swapped))) return;
    const marked = swapped.matches("[data-outcome]") ? swapped : swapped.querySelector("[data-outcome]");
    const outcome = marked && marked.getAttribute("data-outcome");
    if (outcome === "ok" || outcome === "refused" || outcome === "undone") feedback(outcome);
  });

  // A result decided offline (no htmx swap): the same beep, then ready for the next scan.
  document.addEventListener("scan:offline-result", (event) => {
    const marked = event.target instanceof Element ? event.target.closest("[data-outcome]") : null;
    const outcome = marked && marked.getAttribute("data-outcome");
    if (outcome === "ok" || outcome === "refused" || outcome === "undone") feedback(outcome);
    setTimeout(() => focusCodeIfIdle(true), 0);
  });

  // ---------------------------------------------------------------- camera scanning

  const toggle = document.getElementById("camera-toggle");
  const video = document.getElementById("camera-view");
  const mediaDevices = navigator.mediaDevices;
  // getUserMedia exists only in secure contexts (https, or http://localhost).
  if (!toggle || !(video instanceof HTMLVideoElement) || !mediaDevices || typeof mediaDevices.getUserMedia !== "function") {
    return;
  }
  toggle.hidden = false;

  let loopTimer = null;
  let session = 0; // bumped on every stop, so a stale loop or start ends itself
  let lastCode = null;
  let lastCodeSeenAt = 0;
  let detectorPromise = null;

  function setLabel(running) {
    const label = running ? toggle.dataset.labelStop : toggle.dataset.labelStart;
    if (label) toggle.textContent = label;
    toggle.setAttribute("aria-pressed", running ? "true" : "false");
  }

  async function nativeDetector() {
    const Native = window.BarcodeDetector;
    if (typeof Native !== "function" || typeof Native.getSupportedFormats !== "function") return null;
    try {
      const formats = await Native.getSupportedFormats();
      if (Array.isArray(formats) && formats.includes("qr_code")) return new Native({ formats: ["qr_code"] });
    } catch (_) {
      // fall back to the ponyfill
    }
    return null;
  }

  async function ponyfillDetector() {
    const module = await import(new URL("ponyfill.js", vendorBase).href);
    // By default the module fetches its wasm from a CDN: point it at our copy (scripts/vendor.sh puts it there).
    const overrides = {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? new URL(path, vendorBase).href : prefix + path),
    };
    try {
      await module.prepareZXingModule({ overrides, fireImmediately: true }); // load now, so a failure shows here
    } catch (error) {
      if (typeof module.purgeZXingModule === "function") module.purgeZXingModule(); // let a later try load again
      throw error;
    }
    return new module.BarcodeDetector({ formats: ["qr_code"] });
  }

  function getDetector() {
    if (!detectorPromise) {
      detectorPromise = (async () => (await nativeDetector()) || ponyfillDetector())();
      detectorPromise.catch(() => {
        detectorPromise = null;
      });
    }
    return detectorPromise;
  }

  function showCameraError() {
    const message = toggle.dataset.errorMessage;
    const box = document.getElementById("flashes");
    if (!message || !box) return;
    const p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    box.replaceChildren(p);
  }

  function onDetected(text) {
    const now = Date.now();
    const repeat = text === lastCode && now - lastCodeSeenAt < SAME_CODE_QUIET_MS;
    lastCode = text;
    lastCodeSeenAt = now; // a code held in front of the camera keeps being ignored until it has been away 3 s
    if (repeat) return;
    submitCode(text);
  }

  function scheduleScan(detector, mySession) {
    loopTimer = setTimeout(async () => {
      loopTimer = null;
      if (mySession !== session) return;
      try {
        if (video.readyState >= 2 && video.videoWidth > 0) {
          const codes = await detector.detect(video);
          if (mySession !== session) return;
          const found = Array.isArray(codes) ? codes.find((code) => code && code.rawValue) : null;
          if (found) onDetected(String(found.rawValue));
        }
      } catch (_) {
        // a frame that cannot be read: try the next one
      }
      if (mySession === session) scheduleScan(detector, mySession);
    }, SCAN_INTERVAL_MS);
  }

  async function startCamera() {
    if (cameraRunning()) return;
    starting = true;
    const mySession = session;
    getAudioContext(); // this click is a user gesture: unlock the beeps
    let newStream = null;
    try {
      // The detector loads (and the wasm compiles) while the user answers the camera permission prompt.
      const detectorReady = getDetector();
      detectorReady.catch(() => {});
      newStream = await mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
      if (mySession !== session) throw new Error("stopped");
      video.srcObject = newStream;
      video.hidden = false;
      await video.play();
      const detector = await detectorReady;
      if (mySession !== session) throw new Error("stopped");
      stream = newStream;
      starting = false;
      newStream.getVideoTracks().forEach((track) => track.addEventListener("ended", stopCamera));
      setLabel(true);
      scheduleScan(detector, mySession);
    } catch (error) {
      if (newStream) newStream.getTracks().forEach((track) => track.stop());
      if (mySession === session) {
        starting = false;
        video.hidden = true;
        video.srcObject = null;
        setLabel(false);
        showCameraError();
        if (window.console) console.warn("Camera scanning could not start:", error);
      }
    }
  }

  function stopCamera() {
    session += 1;
    starting = false;
    if (loopTimer !== null) clearTimeout(loopTimer);
    loopTimer = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    try {
      video.pause();
    } catch (_) {
      // ignore
    }
    video.srcObject = null;
    video.hidden = true;
    lastCode = null;
    setLabel(false);
  }

  toggle.addEventListener("click", () => {
    if (cameraRunning()) {
      stopCamera();
      focusCode(true);
    } else {
      startCamera();
    }
  });

  // Free the camera when the page is left or hidden (switching apps on a phone); the user restarts it.
  window.addEventListener("pagehide", () => {
    if (cameraRunning()) stopCamera();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && cameraRunning()) stopCamera();
  });
})();
