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
    const label = page.labelForKey(e.key);
    if (label) { e.preventDefault(); return page.applyLabel(label.dataset.label); }
    const actions = {
      j: () => step(1),
      k: () => step(-1),
      u: undo,
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
