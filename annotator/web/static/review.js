// The review page's keys: what its hint says (select text and press a label key to draw a gold
// span; arrows move and widen the selection; Delete removes the gold span in the editor; Esc
// closes it). There is no undo and no "next document" here: those keys do nothing.
(function () {
  "use strict";
  const page = window.textPage;

  // Gold boundaries: move an end a word at a time, or take the text selection; either saves.
  function setBoundaries(first, last) {
    const form = document.querySelector("#editor form");
    if (!form) return;
    form.querySelector("[name=token_start]").value = first;
    form.querySelector("[name=token_end]").value = last;
    htmx.trigger(form, "submit");
  }

  document.addEventListener("mousedown", (e) => {
    // Keep the text selection when "Set to selection" is pressed.
    if (e.target.closest("#set-to-selection")) e.preventDefault();
  });

  document.addEventListener("click", (e) => {
    const nudge = e.target.closest("[data-nudge]");
    const form = document.querySelector("#editor form");
    if (nudge && form) {
      let first = +form.querySelector("[name=token_start]").value;
      let last = +form.querySelector("[name=token_end]").value;
      const n = page.textEl().getElementsByTagName("span").length;
      if (nudge.dataset.nudge === "start") first = Math.max(0, Math.min(last, first + +nudge.dataset.by));
      else last = Math.min(n - 1, Math.max(first, last + +nudge.dataset.by));
      return setBoundaries(first, last);
    }
    if (e.target.closest("#set-to-selection")) {
      const r = page.selectedTokens();
      if (!r) return page.flash(window.word("Select the words of the gold span in the text first."));
      window.getSelection().removeAllRanges();
      return setBoundaries(r[0], r[1]);
    }
  });

  document.addEventListener("keydown", (e) => {
    if (page.inField(e) || e.altKey || e.metaKey || e.ctrlKey) return;
    if (!page.layout()) return;
    const label = page.labelForKey(e.key);
    if (label) { e.preventDefault(); return page.applyLabel(label.dataset.label); }
    const actions = {
      Delete: () => page.clickIn("#editor [data-delete]"),
      Backspace: () => page.clickIn("#editor [data-delete]"),
      Escape: page.closeEditor,
      ArrowRight: () => (e.shiftKey ? page.extendByKeyboard(1) : page.moveByKeyboard(1)),
      ArrowLeft: () => (e.shiftKey ? page.extendByKeyboard(-1) : page.moveByKeyboard(-1)),
    };
    const action = actions[e.key];
    if (action) { e.preventDefault(); action(); }
  });
})();
