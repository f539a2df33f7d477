// Every page: htmx requests carry the CSRF token, and a refusal or a lost connection is shown
// in the flash region instead of vanishing.
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);

  document.addEventListener("htmx:configRequest", (e) => {
    e.detail.headers["X-CSRFToken"] = $('meta[name="csrf-token"]').content;
  });

  function flash(message) {
    const el = document.getElementById("flash");
    el.textContent = message;
    el.className = "flash error";
  }

  // The keys' requests (htmx.ajax with swap "none") override the error swap into #flash that
  // the htmx-config meta asks for, so a refusal would vanish: show its message here instead.
  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    const answer = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const sent = answer.getElementById("flash");
    flash((sent && sent.textContent.trim()) || `The server refused this (${xhr.status}); nothing was changed.`);
  });
  // A request the server wants confirmed first (an overshooting span, marking adjudicated with
  // places undecided): ask with its message, then send the same request with confirmed=1.
  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    const config = e.detail.requestConfig;
    if (!xhr.getResponseHeader("X-Needs-Confirmation") || !config) return;
    const answer = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const sent = answer.getElementById("flash");
    if (!window.confirm((sent && sent.textContent.trim()) || "Go ahead?")) {
      flash("Nothing was changed.");
      return;
    }
    const values = {};
    for (const [key, value] of config.formData.entries()) values[key] = value;
    values.confirmed = "1";
    htmx.ajax(config.verb.toUpperCase(), config.path, { source: config.elt, swap: "none", values: values });
  });
  document.addEventListener("htmx:sendError", () => flash("No answer from the server: nothing was saved."));

  window.showFlash = flash;
})();
