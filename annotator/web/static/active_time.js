// Active time on the annotation page (issue 15), reported to PUT /api/documents/<id>/time.
//
// A second counts when the page is visible and this tab is the one the annotator last touched
// (several tabs: only the latest, agreed through localStorage; the server also caps every
// report at the wall time since the previous one). Time since the last input is held back and
// counted only when the next input comes within IDLE_LIMIT_MS: a pause longer than that counts
// nothing at all. Reports go every REPORT_EVERY_MS and when the page is hidden or left.
(function () {
  "use strict";
  const root = document.querySelector("[data-time-url]");
  if (!root) return;
  const url = root.dataset.timeUrl;
  const IDLE_LIMIT_MS = 60000;
  const REPORT_EVERY_MS = 15000;
  const TICK_MS = 1000;
  const KEY = "annotator-active-tab";
  const me = Math.random().toString(36).slice(2);
  let lastInput = Date.now();
  let lastTick = Date.now();
  let held = 0; // counted since the last input, not yet confirmed by a new input
  let pending = 0; // confirmed, not yet reported
  let lastClaim = 0;

  function claim(now) {
    if (now - lastClaim < 500) return;
    lastClaim = now;
    try { localStorage.setItem(KEY, me); } catch (e) { /* storage off: the server still caps */ }
  }

  function leading() {
    try { const owner = localStorage.getItem(KEY); return owner === null || owner === me; } catch (e) { return true; }
  }

  function input() {
    const now = Date.now();
    if (now - lastInput <= IDLE_LIMIT_MS) pending += held;
    held = 0;
    lastInput = now;
    claim(now);
  }

  function tick() {
    const now = Date.now();
    // Timers of background tabs are throttled: never count more than two ticks at once.
    const step = Math.min(now - lastTick, 2 * TICK_MS);
    lastTick = now;
    if (document.visibilityState !== "visible" || !leading()) return;
    if (now - lastInput > IDLE_LIMIT_MS) { held = 0; return; }
    held += step;
  }

  function report(closing) {
    if (closing && Date.now() - lastInput <= IDLE_LIMIT_MS) { pending += held; held = 0; }
    const ms = Math.min(Math.round(pending), 120000);
    if (ms < 1) return;
    pending -= ms;
    const token = document.querySelector('meta[name="csrf-token"]').content;
    fetch(url, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ active_ms: ms }),
      credentials: "same-origin",
      keepalive: true,
    }).catch(() => { pending += ms; });
  }

  ["keydown", "pointerdown", "pointermove", "wheel", "selectionchange", "focus"].forEach((name) =>
    document.addEventListener(name, input, { passive: true, capture: true }));
  claim(Date.now());
  setInterval(tick, TICK_MS);
  setInterval(() => report(false), REPORT_EVERY_MS);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") report(true); });
  window.addEventListener("pagehide", () => report(true));
  window.activeTime = { report: () => report(true) }; // lets a test flush without waiting
})();
