/* qualcode review: keyboard-first decisions. No libraries, nothing from outside.
 * Every decision is POSTed as JSON with the token header; the page marks it done only after
 * the server answers (the server answers after the decision is committed to review.sqlite).
 */
(function () {
  "use strict";
  var token = document.querySelector('meta[name="qualcode-token"]').content;
  var page = document.body.dataset.page;
  var items = Array.prototype.slice.call(document.querySelectorAll(".item"));
  var current = -1;
  var lastAction = Date.now();
  var status = document.getElementById("status");

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "bad" : "ok";
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Qualcode-Token": token },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.error || ("HTTP " + r.status)); }
        return data;
      });
    }).catch(function (e) { say("not saved: " + e.message, true); throw e; });
  }

  function elapsed() {
    var now = Date.now(), ms = now - lastAction;
    lastAction = now;
    return ms;
  }

  function focus(i) {
    if (!items.length) { return; }
    i = Math.max(0, Math.min(items.length - 1, i));
    if (current >= 0 && items[current]) { items[current].classList.remove("focus"); }
    current = i;
    items[i].classList.add("focus");
    items[i].focus({ preventScroll: true });
    items[i].scrollIntoView({ block: "nearest" });
  }

  function focused() { return current >= 0 ? items[current] : null; }

  function itemOf(el) {
    while (el && !(el.classList && el.classList.contains("item"))) { el = el.parentNode; }
    return el;
  }

  /* -- by code: accept / reject a machine hit ------------------------------------------ */
  function decideHit(item, decision) {
    if (!item || !item.dataset.code) { return; }
    var d = item.dataset;
    return post("/api/decide", {
      row: +d.row, question: d.question, code: d.code, start: +d.start, end: +d.end,
      decision: decision, hash: d.hash, elapsed_ms: elapsed()
    }).then(function (res) {
      item.classList.remove("accept", "reject");
      item.classList.add(res.decision);
      item.querySelector(".state").textContent = res.decision === "accept" ? "accepted" : "rejected";
      item.dataset.saved = res.saved;
      say("saved: " + res.decision);
      if (item === focused()) { focus(current + 1); }
    });
  }

  /* -- by answer: whole-answer toggles, manual spans, done ----------------------------- */
  function toggle(section, button) {
    var on = button.classList.contains("on");
    var d = section.dataset;
    return post("/api/decide", {
      row: +d.row, question: d.question, code: button.dataset.code,
      decision: on ? "reject" : "add", hash: d.hash, elapsed_ms: elapsed()
    }).then(function () {
      say("saved: " + button.dataset.code + (on ? " off" : " on"));
      reload(section);
    });
  }

  function codePoints(s) { return Array.from(s).length; }

  /* The selection inside one answer's text, as code-point offsets (as in segments.csv). */
  function selectionIn(section) {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) { return null; }
    var text = section.querySelector(".text");
    var range = sel.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) { return null; }
    function offset(node, off) {
      var span = node.nodeType === 3 ? node.parentNode : node;
      if (node.nodeType !== 3) {
        /* an element boundary: offset counts child nodes */
        var child = node.childNodes[off];
        if (child && child.dataset) { return +child.dataset.o; }
        span = node.childNodes[off - 1] || node;
        return +(span.dataset ? span.dataset.o : 0) + codePoints(span.textContent || "");
      }
      return +span.dataset.o + codePoints(node.data.slice(0, off));
    }
    var start = offset(range.startContainer, range.startOffset);
    var end = offset(range.endContainer, range.endOffset);
    var full = Array.from(text.textContent);
    while (start < end && /\s/.test(full[start])) { start++; }
    while (end > start && /\s/.test(full[end - 1])) { end--; }
    if (end <= start) { return null; }
    return { start: start, end: end };
  }

  /* -- by answer: a word cursor, to select words without a mouse ------------------------
     `w` starts it on the first word of the answer; ← → move it by words, shift+← → extend
     the selection; Enter (or a number, or `c`) codes the words, Esc cancels. It makes a
     real text selection, so the span is read back exactly as a mouse selection is. */
  var cursor = null;  /* { section, words: [[start, end]...], anchor, head } in code points */

  function wordsOf(section) {
    var text = section.querySelector(".text").textContent, out = [], m;
    var re = /[\p{L}\p{N}_]+(?:['\u2019][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]+/gu;
    while ((m = re.exec(text)) !== null) {
      var start = codePoints(text.slice(0, m.index));
      if (/[\p{L}\p{N}_]/u.test(m[0])) { out.push([start, start + codePoints(m[0])]); }
    }
    return out;
  }

  /* The text node and UTF-16 offset of code point `cp` in an answer's text. */
  function pointAt(text, cp, atEnd) {
    var spans = text.querySelectorAll("span[data-o]");
    for (var i = 0; i < spans.length; i++) {
      var o = +spans[i].dataset.o, chars = Array.from(spans[i].textContent);
      if (cp < o + chars.length || (atEnd && cp === o + chars.length)) {
        return [spans[i].firstChild, chars.slice(0, cp - o).join("").length];
      }
    }
    return null;
  }

  function showCursor() {
    var lo = Math.min(cursor.anchor, cursor.head), hi = Math.max(cursor.anchor, cursor.head);
    var text = cursor.section.querySelector(".text");
    var a = pointAt(text, cursor.words[lo][0], false);
    var b = pointAt(text, cursor.words[hi][1], true);
    var r = document.createRange();
    r.setStart(a[0], a[1]);
    r.setEnd(b[0], b[1]);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    say("words " + cursor.words[lo][0] + "-" + cursor.words[hi][1] +
        ": Enter codes them as the list's code, 1-9 as that code, Esc cancels");
  }

  function startCursor(section) {
    var words = wordsOf(section);
    if (!words.length) { say("no words in this answer", true); return; }
    cursor = { section: section, words: words, anchor: 0, head: 0 };
    showCursor();
  }

  function moveCursor(step, extend) {
    var n = cursor.words.length;
    cursor.head = Math.max(0, Math.min(n - 1, cursor.head + step));
    if (!extend) { cursor.anchor = cursor.head; }
    showCursor();
  }

  function stopCursor() {
    cursor = null;
    window.getSelection().removeAllRanges();
  }

  function addSpan(section, code) {
    if (cursor && cursor.section === section) { showCursor(); cursor = null; }
    var span = selectionIn(section);
    if (!span) { say("select some words of the answer first", true); return; }
    var d = section.dataset;
    return post("/api/decide", {
      row: +d.row, question: d.question, code: code, start: span.start, end: span.end,
      decision: "add", hash: d.hash, elapsed_ms: elapsed()
    }).then(function () {
      say("saved: " + code + " on " + span.start + "-" + span.end);
      window.getSelection().removeAllRanges();
      reload(section);
    });
  }

  function markDone(section) {
    var d = section.dataset;
    return post("/api/decide", {
      row: +d.row, question: d.question, code: "", decision: "done", hash: d.hash,
      elapsed_ms: elapsed()
    }).then(function () {
      section.classList.add("done");
      section.querySelector(".state").textContent = "done";
      say("saved: done");
      var next = items.indexOf(section) + 1;
      if (next < items.length) { focus(next); }
      else { var n = document.getElementById("next-page"); if (n) { location.href = n.href; } }
    });
  }

  /* Re-render one answer from the server (its highlights and toggles) keeping the focus. */
  function reload(section) {
    var id = section.id;
    return fetch(location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(id), old = document.getElementById(id);
        if (!fresh || !old) { return; }
        var index = items.indexOf(old);
        old.replaceWith(fresh);
        items[index] = fresh;
        wire(fresh);
        focus(index);
      });
  }

  /* -- search: code a hit --------------------------------------------------------------- */
  function codeHit(item) {
    var pick = document.getElementById("search-code");
    var d = item.dataset;
    return post("/api/decide", {
      row: +d.row, question: d.question, code: pick.value, start: +d.start, end: +d.end,
      decision: "add", hash: d.hash, elapsed_ms: elapsed()
    }).then(function () {
      item.classList.add("accept");
      item.querySelector(".state").textContent = "coded " + pick.value;
      say("saved: " + pick.value);
      if (item === focused()) { focus(current + 1); }
    });
  }

  /* -- undo, memos, help ---------------------------------------------------------------- */
  function undo() {
    return post("/api/undo", {}).then(function (res) {
      if (!res.undone) { say("nothing to undo"); return; }
      say("undone: " + (res.code || "done mark") + " (now " + res.decision + ")");
      if (page === "answer") {
        items.forEach(function (s) { if (s.dataset.question === res.question) { reload(s); } });
      } else {
        items.forEach(function (it) {
          var d = it.dataset;
          if (d.code === res.code && +d.start === res.start && +d.end === res.end &&
              d.question === res.question) {
            it.classList.remove("accept", "reject");
            if (res.decision !== "clear") { it.classList.add(res.decision); }
            it.querySelector(".state").textContent =
              { accept: "accepted", reject: "rejected" }[res.decision] || "";
          }
        });
      }
    });
  }

  var dialog = document.getElementById("memo-dialog");
  var memoTarget = null;
  function openMemo(kind, target, what) {
    memoTarget = { kind: kind, target: target };
    document.getElementById("memo-what").textContent = what;
    document.getElementById("memo-text").value = "";
    dialog.showModal();
    document.getElementById("memo-text").focus();
  }
  function saveMemo() {
    var text = document.getElementById("memo-text").value;
    var t = memoTarget;
    dialog.close();
    return post("/api/memo", { kind: t.kind, target: t.target, text: text }).then(function () {
      say("memo saved");
    });
  }
  dialog.addEventListener("close", function () {
    if (dialog.returnValue === "save") { saveMemo(); }
    dialog.returnValue = "";
  });
  document.getElementById("memo-text").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); dialog.close("save"); }
  });

  function memoFor(item) {
    if (page === "answer" && item) {
      openMemo("answer", item.dataset.respondent + "\t" + item.dataset.question,
        "answer " + item.dataset.respondent + " / " + item.dataset.question);
    } else if (page === "code" && item && item.dataset.saved) {
      openMemo("decision", item.dataset.saved, "this decision");
    } else if (page === "code") {
      var b = document.querySelector('.memo-btn[data-kind="code"]');
      openMemo("code", b.dataset.target, "code " + b.dataset.target);
    }
  }

  function toggleHelp() {
    var help = document.getElementById("help");
    help.hidden = !help.hidden;
  }

  /* -- wiring --------------------------------------------------------------------------- */
  function wire(root) {
    root.querySelectorAll(".act").forEach(function (b) {
      b.addEventListener("click", function () { decideHit(itemOf(b), b.dataset.decision); });
    });
    root.querySelectorAll(".info-btn").forEach(function (b) {
      b.addEventListener("click", function () {
        var info = itemOf(b).querySelector(".info"); info.hidden = !info.hidden;
      });
    });
    root.querySelectorAll(".toggle").forEach(function (b) {
      b.addEventListener("click", function () { toggle(itemOf(b), b); });
    });
    root.querySelectorAll(".add-span").forEach(function (b) {
      b.addEventListener("mousedown", function (e) { e.preventDefault(); });
      b.addEventListener("click", function () {
        var s = itemOf(b); addSpan(s, s.querySelector(".code-pick").value);
      });
    });
    root.querySelectorAll(".mark-done").forEach(function (b) {
      b.addEventListener("click", function () { markDone(itemOf(b)); });
    });
    root.querySelectorAll(".code-hit").forEach(function (b) {
      b.addEventListener("click", function () { codeHit(itemOf(b)); });
    });
    root.querySelectorAll(".memo-btn").forEach(function (b) {
      b.addEventListener("click", function () {
        var it = itemOf(b);
        if (b.dataset.kind === "code") {
          openMemo("code", b.dataset.target, "code " + b.dataset.target);
        } else { memoFor(it); }
      });
    });
    if (root.classList && root.classList.contains("item")) {
      root.addEventListener("mousedown", function () { focus(items.indexOf(root)); });
    }
  }
  wire(document);
  items.forEach(function (it) {
    it.addEventListener("mousedown", function () { focus(items.indexOf(it)); });
  });

  function answerSection() {
    var it = focused();
    if (page !== "answer") { return null; }
    if (!it) { focus(0); it = focused(); }
    /* the section holding the selection wins */
    var sel = window.getSelection();
    if (sel && !sel.isCollapsed && sel.anchorNode) {
      var s = itemOf(sel.anchorNode.nodeType === 3 ? sel.anchorNode.parentNode : sel.anchorNode);
      if (s) { focus(items.indexOf(s)); return s; }
    }
    return it;
  }

  document.addEventListener("keydown", function (e) {
    if (dialog.open) { return; }
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") {
      if (e.key === "Escape") { e.target.blur(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var it = focused(), k = e.key, handled = true;
    if (cursor && (!document.body.contains(cursor.section) || cursor.section !== it)) {
      cursor = null;
    }
    if (cursor && (k === "ArrowLeft" || k === "ArrowRight")) {
      moveCursor(k === "ArrowLeft" ? -1 : 1, e.shiftKey);
    }
    else if (cursor && k === "Escape") { stopCursor(); say("cancelled"); }
    else if (cursor && k === "Enter") {
      addSpan(cursor.section, cursor.section.querySelector(".code-pick").value);
    }
    else if (k === "w" && page === "answer") { startCursor(answerSection()); }
    else if (k === "j" || k === "ArrowDown") { focus(current + 1); }
    else if (k === "k" || k === "ArrowUp") { focus(current - 1); }
    else if (k === "a" && page === "code") { decideHit(it || items[0], "accept"); }
    else if ((k === "r" || k === "x") && page === "code") { decideHit(it || items[0], "reject"); }
    else if (k === "u") { undo(); }
    else if (k === "m") { memoFor(page === "answer" ? answerSection() : it); }
    else if (k === "?") { toggleHelp(); }
    else if (k === "Escape") { document.getElementById("help").hidden = true; }
    else if (k === "i" && it && it.querySelector(".info")) {
      var info = it.querySelector(".info"); info.hidden = !info.hidden;
    }
    else if (k === "n" || k === "p") {
      var link = document.getElementById(k === "n" ? "next-page" : "prev-page");
      if (link) { location.href = link.href; }
    }
    else if (k === "/") { var q = document.querySelector('input[type="search"]'); if (q) { q.focus(); } }
    else if (k === "Enter" && it && it.dataset.href && page !== "answer") { location.href = it.dataset.href; }
    else if (page === "answer" && /^[1-9]$/.test(k)) {
      var s = answerSection();
      var button = s && s.querySelectorAll(".toggle")[+k - 1];
      if (!button) { handled = false; }
      else if ((cursor && cursor.section === s) || selectionIn(s)) { addSpan(s, button.dataset.code); }
      else { toggle(s, button); }
    }
    else if (k === "c" && page === "answer") {
      var sec = answerSection(); addSpan(sec, sec.querySelector(".code-pick").value);
    }
    else if (k === "c" && page === "search" && it) { codeHit(it); }
    else if (k === "d" && page === "answer") { markDone(answerSection()); }
    else { handled = false; }
    if (handled) { e.preventDefault(); }
  });

  if (items.length && page !== "home") { focus(0); }
})();
