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

  // The gold tools scroll away with the text, so that they never cover the rows, and scroll
  // themselves beside it (review.css). An editor that opens is brought into sight: within the
  // tools when they are in view, else the page goes to it (a gold cell's Edit far down the
  // rows, a phone, where the tools sit below the rows). Closing it (Esc, ×, "Back to the place
  // in the rows") goes back to where the lead came from; Edit's focus goes to the label field
  // and comes back to the Edit button.
  let cameFrom = null; // {span, ts}: a gold cell's Edit and its place; {token}: a click in the text
  const editorEl = () => document.getElementById("editor");

  function inView(el) {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }

  // Within the part of the tools on screen if the editor fits there, else the page moves.
  function reveal(editor) {
    const side = editor.closest(".side");
    if (side && side.scrollHeight > side.clientHeight) {
      const s = side.getBoundingClientRect();
      const top = Math.max(s.top, 0);
      const bottom = Math.min(s.bottom, window.innerHeight);
      const r = editor.getBoundingClientRect();
      if (bottom - top >= r.height) {
        if (r.bottom > bottom) side.scrollTop += r.bottom - bottom;
        else if (r.top < top) side.scrollTop -= top - r.top;
      }
    }
    if (!inView(editor)) editor.scrollIntoView({ block: "nearest" });
  }

  function backToPlace(from) {
    if (from.token !== undefined) {
      const token = page.textEl() && page.textEl().getElementsByTagName("span")[from.token];
      if (token && !inView(token)) token.scrollIntoView({ block: "center" });
      return;
    }
    const edit = document.querySelector(`[data-edit-gold="${CSS.escape(from.span)}"]`);
    const place = edit || document.querySelector(`#rows tr.region[data-ts="${CSS.escape(from.ts)}"]`) || document.getElementById("rows");
    if (!place) return;
    place.scrollIntoView({ block: "center" });
    if (edit) edit.focus({ preventScroll: true });
  }

  // The editor's state once htmx has settled it (until then it wears the old editor's class).
  function editorSettled(requested) {
    const editor = editorEl();
    if (!editor) return;
    const from = cameFrom;
    if (!editor.dataset.span) { // closed, or its span deleted
      cameFrom = null;
      if (from) backToPlace(from);
      return;
    }
    if (!requested) { // a save's answer: the same span, unless it went elsewhere
      if (from && from.span && editor.dataset.span !== from.span) cameFrom = null;
      const back = editor.querySelector("[data-back-to-rows]");
      if (back) back.hidden = !cameFrom || !cameFrom.span;
      return;
    }
    reveal(editor);
    if (from && from.span === editor.dataset.span) {
      const back = editor.querySelector("[data-back-to-rows]");
      if (back) back.hidden = false;
      const label = editor.querySelector("select[name=label]");
      if (label) label.focus({ preventScroll: true });
    } else if (from && from.span) cameFrom = null; // another span, opened from the text or the list
  }

  document.addEventListener("click", (e) => {
    const edit = e.target.closest("[data-edit-gold]");
    const token = e.target.closest("#text mark span[data-i]");
    if (edit) cameFrom = { span: edit.dataset.editGold, ts: edit.closest("tr").dataset.ts };
    else if (token && window.getSelection().isCollapsed) cameFrom = { token: +token.dataset.i };
    if (e.target.closest("[data-back-to-rows]")) page.closeEditor();
  });
  // A request for the editor (a cell's Edit, a click in the text or the gold list, closing)
  // swaps it in; a save's answer swaps it out of band. Either way it settles on the new
  // #editor, after the text page's handler (text_page.js loads first) has scrolled the text to
  // the span.
  let requested = false;
  document.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "editor") requested = true;
  });
  document.addEventListener("htmx:afterSettle", (e) => {
    if (e.target.id !== "editor") return;
    editorSettled(requested);
    requested = false;
  });

  // A gold change answers with the rows of the stretches of text it changed, out of band
  // (places.py): each replaces the rows that overlap its stretch, where they stood, so the lead
  // stays at the place however far down the rows it is (reloading the rows brought back their
  // first page only). Every action says how the page shows the rows: the ticked labels, and
  // where the places loaded so far end (the row that loads the next page knows).
  document.addEventListener("htmx:configRequest", (e) => {
    if (e.detail.verb === "get") return;
    const filter = document.getElementById("label-filter");
    if (filter) {
      const ticked = filter.querySelectorAll("input[name=label]:checked");
      e.detail.headers["X-Review-Labels"] = Array.from(ticked, (box) => box.value).join(",");
    }
    const more = document.getElementById("more-places");
    if (more) e.detail.headers["X-Places-Through"] = more.dataset.after;
  });

  // The control in a row that sent a change: its row is swapped away, so the focus goes to the
  // same control in the new row, else to its span's first button, else to the row itself.
  let sentFrom = null;
  document.addEventListener("htmx:beforeRequest", (e) => {
    const row = e.detail.elt.closest && e.detail.elt.closest("#places > tr.region");
    if (!row) return;
    const cell = e.detail.elt.closest("[data-span]");
    sentFrom = { elt: e.detail.elt, ts: +row.dataset.ts, span: cell && cell.dataset.span, path: e.detail.pathInfo && e.detail.pathInfo.requestPath };
  });
  document.addEventListener("htmx:afterRequest", () => { sentFrom = null; });

  function keepFocus(rows) {
    const from = sentFrom;
    if (!from || from.elt.isConnected) return;
    const row = rows.find((r) => +r.dataset.ts <= from.ts && from.ts <= +r.dataset.te);
    if (!row) return;
    const same = Array.from(row.querySelectorAll("[hx-post], [hx-get]")).find((el) => (el.getAttribute("hx-post") || el.getAttribute("hx-get")) === from.path);
    const cell = from.span && row.querySelector(`[data-span="${CSS.escape(from.span)}"]`);
    let target = same || (cell && cell.querySelector("button"));
    if (!target) {
      row.tabIndex = -1;
      target = row;
    }
    target.focus({ preventScroll: true });
    if (!inView(row)) row.scrollIntoView({ block: "nearest" });
    sentFrom = null;
  }

  // The rows scroll inside a box of the window's height, under their stuck header (review.css).
  // A wheel over the box while only part of it is in the window moves the page first, until the
  // box fills the window: the lead never scrolls the rows in a sliver at the bottom of the
  // screen. (On the box itself, not the document: a document-wide wheel listener that may
  // cancel would hold up every scroll of the page.)
  function pageFirst(e) {
    const box = e.currentTarget;
    if (e.ctrlKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
    const top = box.getBoundingClientRect().top;
    const root = document.scrollingElement;
    const down = e.deltaY > 0 && top > 1 && root.scrollTop + innerHeight < root.scrollHeight - 1;
    const up = e.deltaY < 0 && top < -1 && root.scrollTop > 0;
    if (!down && !up) return;
    e.preventDefault();
    const px = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? innerHeight : 1);
    window.scrollBy(0, down ? Math.min(px, top) : Math.max(px, top));
  }
  htmx.onLoad((el) => {
    const boxes = el.matches && el.matches("#rows .table-scroll") ? [el] : el.querySelectorAll ? el.querySelectorAll("#rows .table-scroll") : [];
    boxes.forEach((box) => box.addEventListener("wheel", pageFirst, { passive: false }));
  });

  htmx.defineExtension("place-rows", {
    handleSwap(style, target, fragment) {
      if (style !== "placeRows") return false;
      const from = +fragment.dataset.from;
      const to = +fragment.dataset.to;
      const rows = Array.from(target.querySelectorAll(":scope > tr.region"));
      const next = rows.find((r) => +r.dataset.ts > to) || target.querySelector(":scope > #more-places");
      rows.filter((r) => +r.dataset.ts <= to && +r.dataset.te >= from).forEach((r) => r.remove());
      const added = Array.from(fragment.children);
      added.forEach((r) => target.insertBefore(r, next));
      keepFocus(added);
      return added;
    },
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
