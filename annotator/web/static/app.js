// Every page: htmx requests carry the CSRF token, and a refusal or a lost connection is shown
// in the flash region instead of vanishing.
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);

  // A message in the interface language: base.html's meta carries the scripts' messages as JSON keyed
  // by their English; `%(name)s` placeholders take `values`. Unknown keys stay English.
  const words = (() => {
    try { return JSON.parse(($('meta[name="script-words"]') || {}).content || "{}"); } catch (_) { return {}; }
  })();
  function word(english, values) {
    let text = words[english] || english;
    for (const [k, v] of Object.entries(values || {})) text = text.split(`%(${k})s`).join(String(v));
    return text;
  }
  window.word = word;

  document.addEventListener("htmx:configRequest", (e) => {
    e.detail.headers["X-CSRFToken"] = $('meta[name="csrf-token"]').content;
  });

  function flash(message, kind = "error") {
    const el = document.getElementById("flash");
    el.textContent = message;
    el.className = `flash ${kind}`;
  }

  // The keys' requests (htmx.ajax with swap "none") override the error swap into #flash that
  // the htmx-config meta asks for, so a refusal would vanish: show its message here instead.
  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    const answer = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const sent = answer.getElementById("flash");
    flash((sent && sent.textContent.trim()) || word("The server refused this (%(status)s); nothing was changed.", { status: xhr.status }));
  });
  // A request the server wants confirmed first (an overshooting span, marking adjudicated with
  // places undecided): ask with its message, then send the same request with confirmed=1.
  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    const config = e.detail.requestConfig;
    if (!xhr.getResponseHeader("X-Needs-Confirmation") || !config) return;
    const answer = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const sent = answer.getElementById("flash");
    if (!window.confirm((sent && sent.textContent.trim()) || word("Go ahead?"))) {
      flash(word("Nothing was changed."));
      return;
    }
    const values = {};
    for (const [key, value] of config.formData.entries()) values[key] = value;
    values.confirmed = "1";
    htmx.ajax(config.verb.toUpperCase(), config.path, { source: config.elt, swap: "none", values: values });
  });
  document.addEventListener("htmx:sendError", () => flash(word("No answer from the server: nothing was saved.")));

  window.showFlash = flash;
})();
