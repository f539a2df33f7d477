// The review page's keys: what its hint says (select text and press a label key to draw a gold
// span; arrows move and widen the selection; Delete removes the gold span in the editor; Esc
// closes it). There is no undo and no "next document" here: those keys do nothing.
(function () {
  "use strict";
  const page = window.textPage;

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
