// The annotation page's keys (and the queue's `n`): what the help panel lists. Uses text_page.js.
(function () {
  "use strict";
  const page = window.textPage;
  const $ = page.$;

  // Asks the server even while the toolbar still refreshes: the session knows what to undo.
  function undo() {
    htmx.ajax("POST", page.layout().dataset.undoUrl, { source: page.textEl(), swap: "none" });
  }

  function step(delta) {
    const items = Array.from(document.querySelectorAll("#spans li[data-span]"));
    if (!items.length) return;
    const current = items.findIndex((li) => li.dataset.span === $("#editor").dataset.span);
    const next = current < 0 ? (delta > 0 ? 0 : items.length - 1) : current + delta;
    if (items[next]) page.openEditor(`span=${encodeURIComponent(items[next].dataset.span)}`);
  }

  // Suggestions (issue 17): dashed outlines; Tab/Shift+Tab step, a or Enter accepts, x rejects,
  // the slider hides weak ones. The server renders them; after an answer the next one is focused.
  let sgFocus = null;
  let sgNext = null;
  const sgStarts = () => Array.from(document.querySelectorAll("#text .ss:not(.sgh)"));
  const sgTokens = (id) => document.querySelectorAll(`#text [data-sg="${id}"]`);

  function sgShow(id) {
    document.querySelectorAll("#text .sgf").forEach((el) => el.classList.remove("sgf"));
    sgFocus = id;
    if (id == null) return;
    const tokens = sgTokens(id);
    tokens.forEach((el) => el.classList.add("sgf"));
    if (tokens[0]) tokens[0].scrollIntoView({ block: "nearest" });
  }

  function sgStep(delta) {
    const starts = sgStarts();
    if (!starts.length) return false;
    const i = starts.findIndex((el) => el.dataset.sg === sgFocus);
    const next = i < 0 ? (delta > 0 ? 0 : starts.length - 1) : (i + delta + starts.length) % starts.length;
    sgShow(starts[next].dataset.sg);
    return true;
  }

  function sgDecide(kind) {
    const bar = $("#suggestions");
    if (!bar || sgFocus == null) return false;
    sgNext = sgStarts().findIndex((el) => el.dataset.sg === sgFocus);
    const url = bar.dataset[`${kind}Url`].replace(/\/0\/(accept|reject)$/, `/${sgFocus}/$1`);
    sgFocus = null;
    htmx.ajax("POST", url, { source: page.textEl(), swap: "none" });
    return true;
  }

  function sgRefresh() {
    const input = $("#sg-threshold");
    if (!input) return;
    const threshold = parseFloat(input.value);
    $("#sg-threshold-value").textContent = threshold.toFixed(2);
    document.querySelectorAll("#text .ss").forEach((start) => {
      const score = start.dataset.sc === "" ? 1 : parseFloat(start.dataset.sc);
      sgTokens(start.dataset.sg).forEach((el) => el.classList.toggle("sgh", score < threshold));
    });
    $("#sg-count").textContent = sgStarts().length;
    if (sgNext != null) {
      const starts = sgStarts();
      if (starts.length) sgShow(starts[Math.min(sgNext, starts.length - 1)].dataset.sg);
      sgNext = null;
    } else if (sgFocus != null) sgShow(sgFocus);
  }

  document.addEventListener("input", (e) => { if (e.target.id === "sg-threshold") sgRefresh(); });
  document.addEventListener("htmx:oobAfterSwap", sgRefresh);
  document.addEventListener("click", (e) => {
    const tok = e.target.closest && e.target.closest("#text [data-sg]");
    if (tok && window.getSelection().isCollapsed) sgShow(tok.dataset.sg);
  });

  // `b`: the span in the editor takes the selected tokens as its new boundaries (one undo step).
  function moveBoundaries() {
    const form = $("#editor form");
    const r = page.selectedTokens();
    if (!form || !r) return page.flash(window.word("Open a span and select its new extent, then press b."));
    window.getSelection().removeAllRanges();
    htmx.ajax("POST", form.getAttribute("hx-post"), {
      source: form, swap: "none", values: { token_start: r[0], token_end: r[1] },
    });
  }

  document.addEventListener("keydown", (e) => {
    if (page.inField(e) || e.altKey || e.metaKey) return;
    const lay = page.layout();
    if (!lay) {
      if (e.key === "n" && !e.ctrlKey && $("#next-undone")) window.location.href = $("#next-undone").href;
      return;
    }
    if (e.ctrlKey) {
      if (e.key === "z") { e.preventDefault(); undo(); }
      return;
    }
    if (e.target.matches("#spans li") && e.key === "Enter") return e.target.click();
    if (e.key === "Tab" && sgStep(e.shiftKey ? -1 : 1)) return e.preventDefault();
    // Enter on a focused button or link is that control's, not an acceptance
    const onText = e.target === document.body || e.target.closest("#text");
    if ((e.key === "a" || (e.key === "Enter" && onText)) && sgDecide("accept")) return e.preventDefault();
    if (e.key === "x" && sgDecide("reject")) return e.preventDefault();
    const label = page.labelForKey(e.key);
    if (label) { e.preventDefault(); return page.applyLabel(label.dataset.label); }
    const actions = {
      j: () => step(1),
      k: () => step(-1),
      u: undo,
      b: moveBoundaries,
      Delete: () => page.clickIn("#editor [data-delete]"),
      Backspace: () => page.clickIn("#editor [data-delete]"),
      Escape: page.closeEditor,
      "?": () => { $("#help").open = !$("#help").open; },
      n: () => { window.location.href = `/next?after=${lay.dataset.document}`; },
      ArrowRight: () => (e.shiftKey ? page.extendByKeyboard(1) : page.moveByKeyboard(1)),
      ArrowLeft: () => (e.shiftKey ? page.extendByKeyboard(-1) : page.moveByKeyboard(-1)),
    };
    const action = actions[e.key];
    if (action) { e.preventDefault(); action(); }
  });
})();
