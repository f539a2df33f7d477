// What both text pages (annotation and review) need beyond htmx: the selection becomes token
// indices read from the data-i attributes the server wrote (never DOM string offsets, which
// count UTF-16 units), the editor opens and closes, refusals are shown. Each page's keys are in
// its own script (annotate.js, review.js), which uses window.textPage.
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const layout = () => $(".doc-layout");
  const textEl = () => document.getElementById("text");
  // Token i is the i-th <span> of the text (marks are <mark>): a live, indexable list.
  const tokens = () => textEl().getElementsByTagName("span");
  let kb = null; // keyboard selection {anchor, focus} in token indices
  let caret = 0; // the token last clicked: where a keyboard selection starts

  const flash = window.showFlash;

  // Whether point B lies after (1), at (0) or before (-1) point A.
  function cmp(nodeA, offsetA, nodeB, offsetB) {
    const r = document.createRange();
    r.setStart(nodeA, offsetA);
    return r.comparePoint(nodeB, offsetB);
  }

  // The first and last token sharing at least one character with the selection (binary search).
  function selectedTokens() {
    const sel = window.getSelection();
    const text = textEl();
    if (!text || !sel.rangeCount || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!range.intersectsNode(text)) return null;
    const toks = tokens();
    const endsAfterStart = (i) => {
      const t = toks[i].firstChild;
      return cmp(range.startContainer, range.startOffset, t, t.length) === 1;
    };
    const startsBeforeEnd = (i) => cmp(range.endContainer, range.endOffset, toks[i].firstChild, 0) === -1;
    let lo = 0, hi = toks.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (endsAfterStart(m)) hi = m; else lo = m + 1; }
    const first = lo;
    lo = -1; hi = toks.length - 1;
    while (lo < hi) { const m = (lo + hi + 1) >> 1; if (startsBeforeEnd(m)) lo = m; else hi = m - 1; }
    return first <= lo ? [first, lo] : null;
  }

  function selectTokens(a, b) {
    const toks = tokens();
    const range = document.createRange();
    range.setStart(toks[Math.min(a, b)].firstChild, 0);
    const last = toks[Math.max(a, b)].firstChild;
    range.setEnd(last, last.length);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    toks[b].scrollIntoView({ block: "nearest" });
  }

  // The keyboard selection: the mouse's, else the token after the span in the editor, else the
  // token last clicked. A first arrow press only shows where it is.
  function keyboardSelection() {
    if (kb) return true;
    const n = tokens().length;
    const r = selectedTokens();
    const ed = $("#editor[data-te]");
    const at = Math.min(r ? r[1] : ed ? +ed.dataset.te + 1 : caret, n - 1);
    kb = r ? { anchor: r[0], focus: r[1] } : { anchor: at, focus: at };
    if (!r) selectTokens(at, at);
    return r !== null;
  }

  // Shift+arrow: grow or shrink the selection at its moving end.
  function extendByKeyboard(delta) {
    if (!keyboardSelection()) return;
    kb.focus = Math.max(0, Math.min(tokens().length - 1, kb.focus + delta));
    selectTokens(kb.anchor, kb.focus);
  }

  // Arrow alone: move a one-token selection, so that the keyboard reaches any place in the text.
  function moveByKeyboard(delta) {
    if (!keyboardSelection()) return;
    const at = Math.max(0, Math.min(tokens().length - 1, kb.focus + delta));
    kb = { anchor: at, focus: at };
    selectTokens(at, at);
  }

  function createSpan(label) {
    const r = selectedTokens();
    if (!r) return false;
    window.getSelection().removeAllRanges();
    kb = null;
    const values = { label: label, token_start: r[0], token_end: r[1] };
    saveNow().then(() => htmx.ajax("POST", layout().dataset.createUrl, { source: textEl(), swap: "none", values: values }));
    return true;
  }

  // A label key makes a span from the selection; it never relabels the span in the editor
  // (that is the editor's Label field), since a drag that selected nothing is the usual state.
  function applyLabel(label) {
    if (createSpan(label)) return;
    flash(window.word($("#editor form")
      ? "Nothing is selected, so nothing was changed. Select text first; to change this span's label, use the Label field."
      : "Select some text first, then press a label key."));
  }

  // Note and attributes save as the user types (debounced; each save carries the version the
  // last one returned), and before the editor closes or another span opens; a reload with a
  // save still waiting asks first.
  let timer = null;
  let dirty = false;
  let unsaved = 0; // saves sent and not answered yet
  let saving = Promise.resolve();
  const editorForm = () => $("#editor form");

  function saveNow() {
    clearTimeout(timer);
    timer = null;
    const form = editorForm();
    if (!dirty || !form) return saving;
    dirty = false;
    unsaved += 1;
    saving = saving.then(() => htmx.ajax("POST", form.getAttribute("hx-post"), {
      source: form, swap: "none", values: { autosave: "1" },
    })).finally(() => { unsaved -= 1; });
    return saving;
  }

  // What is typed and not saved when the page goes away (a reload, a link) is kept for this
  // tab: the save sent on the way out may die with the page, or land after the next page was
  // read, which then lists the span as it was. The next load of the same page opens that
  // span's editor afresh from the store, types in what the store lacks and saves it, and
  // refreshes the list. Only right away: kept longer (a visit to the queue between), it could
  // bring back an old note over one typed since in another tab.
  const PENDING = "annotator.unsaved-edit";
  const KEPT_FOR_MS = 60000;

  function keepUnsaved() {
    const form = editorForm();
    const ed = $("#editor[data-span]");
    if (!(dirty || unsaved) || !form || !ed) return;
    const fields = Array.from(form.elements)
      .filter((el) => el.name === "note" || el.name.startsWith("attr."))
      .map((el) => [el.name, el.value]);
    try {
      sessionStorage.setItem(PENDING, JSON.stringify({ page: location.pathname, span: ed.dataset.span, fields: fields, at: Date.now() }));
    } catch (err) { /* no storage in this tab: the save sent on the way out is all there is */ }
  }

  function restoreUnsaved() {
    let kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(PENDING) || "null");
      sessionStorage.removeItem(PENDING);
    } catch (err) { return; }
    const url = layout() && layout().dataset.editorUrl;
    if (!kept || kept.page !== location.pathname || !url || !$("#editor")) return;
    if (!(Date.now() - kept.at < KEPT_FOR_MS)) return;
    htmx.ajax("GET", `${url}?span=${encodeURIComponent(kept.span)}`, { target: "#editor", swap: "outerHTML" }).then(() => {
      const form = editorForm();
      const ed = $("#editor[data-span]");
      if (!form || !ed || ed.dataset.span !== kept.span || form.querySelector("#conflict")) return;
      let typed = false;
      for (const [name, value] of kept.fields) {
        const el = form.elements.namedItem(name);
        if (el && el.value !== value) { el.value = value; typed = true; }
      }
      if (!typed) { htmx.trigger(document.body, "spansChanged"); return; } // it had landed
      dirty = true;
      saveNow().then(() => {
        // the autosave's own answer is "saved" (a refusal or a conflict shows its own words)
        if ($("#flash.ok") && !$("#conflict")) flash(window.word("What you typed before the page went away is saved now."), "ok");
      });
    });
  }

  document.addEventListener("input", (e) => {
    const form = e.target.closest("#editor form");
    if (!form || e.target.name === "label" || !e.target.name) return;
    if (form.querySelector("#conflict")) return; // a conflict is resolved by its buttons
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(saveNow, 600);
  });
  document.addEventListener("htmx:sendError", () => { if (editorForm()) dirty = true; });
  document.addEventListener("submit", () => { clearTimeout(timer); dirty = false; }, true);
  window.addEventListener("beforeunload", (e) => {
    if (dirty) { saveNow(); e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("pagehide", keepUnsaved);
  document.addEventListener("DOMContentLoaded", restoreUnsaved);

  // Links that open another span in the editor ("Also here", "Take theirs") wait for the save.
  document.addEventListener("htmx:confirm", (e) => {
    if (!dirty || e.detail.verb !== "get" || !e.detail.target || e.detail.target.id !== "editor") return;
    e.preventDefault();
    saveNow().then(() => e.detail.issueRequest(true));
  });

  // A delete sends nothing but the version, in a header (no span content in any URL).
  document.addEventListener("htmx:configRequest", (e) => {
    if (!e.detail.elt.closest || !e.detail.elt.closest("[data-delete]")) return;
    const version = $("#editor-version");
    if (version) e.detail.headers["X-Span-Version"] = version.value;
  });

  function clickIn(selector) {
    const el = $(selector);
    if (el && !el.disabled) htmx.trigger(el, "click");
  }

  function openEditor(query) {
    saveNow().then(() => htmx.ajax("GET", `${layout().dataset.editorUrl}?${query}`, { target: "#editor", swap: "outerHTML" }));
  }

  function closeEditor() {
    window.getSelection().removeAllRanges();
    kb = null;
    if ($("#editor.open")) saveNow().then(() => htmx.ajax("GET", layout().dataset.editorUrl, { target: "#editor", swap: "outerHTML" }));
  }

  // Outline the span being edited in the text and the list (after every swap: both re-render).
  function markEditing(scroll) {
    const text = textEl();
    if (!text) return;
    text.querySelectorAll(".sel").forEach((el) => el.classList.remove("sel"));
    document.querySelectorAll("#spans li.current").forEach((el) => el.classList.remove("current"));
    const ed = $("#editor[data-span]");
    if (!ed) return;
    const toks = tokens();
    for (let i = +ed.dataset.ts; i <= +ed.dataset.te && i < toks.length; i++) toks[i].classList.add("sel");
    const li = document.querySelector(`#spans li[data-span="${CSS.escape(ed.dataset.span)}"]`);
    if (li) li.classList.add("current");
    if (scroll && toks[+ed.dataset.ts]) toks[+ed.dataset.ts].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:afterSwap", (e) => markEditing(e.detail.target && e.detail.target.id === "editor"));
  document.addEventListener("htmx:oobAfterSwap", (e) => markEditing(false));
  document.addEventListener("DOMContentLoaded", () => markEditing(false));

  document.addEventListener("mousedown", (e) => {
    // Keep the text selection when a label button is pressed.
    if (e.target.closest(".label-btn")) e.preventDefault();
    else if (e.target.closest("#text")) kb = null;
  });

  document.addEventListener("click", (e) => {
    const button = e.target.closest(".label-btn");
    if (button) return applyLabel(button.dataset.label);
    if (e.target.closest("[data-close-editor]")) return closeEditor();
    const item = e.target.closest("#spans li[data-span]");
    if (item) return openEditor(`span=${encodeURIComponent(item.dataset.span)}`);
    const tok = e.target.closest("#text span[data-i]");
    if (!tok) return;
    caret = +tok.dataset.i;
    if (!window.getSelection().isCollapsed || !tok.closest("mark")) return;
    openEditor(`token=${tok.dataset.i}`);
  });

  window.textPage = {
    $, layout, textEl, flash, applyLabel, selectedTokens, clickIn, openEditor, closeEditor,
    extendByKeyboard, moveByKeyboard,
    // The label button of a hotkey on this page, if any.
    labelForKey: (key) => Array.from(layout().querySelectorAll(".label-btn")).find((b) => b.dataset.hotkey.toLowerCase() === key.toLowerCase()),
    // Keys typed into a form field are the field's; Escape leaves it.
    inField: (e) => {
      if (!e.target.closest("input, textarea, select")) return false;
      if (e.key === "Escape") e.target.blur();
      return true;
    },
  };
})();
