/* The plan viewer: highlight the cited sentences (?s=<sentence ids>) and lightly their paragraph (#<paragraph id>
   or #<sentence id>), scrolled into view below the sticky bar; English on demand; sentence IDs on demand; a search
   over the Chinese text and the English renderings. Only classes, attributes and textContent change here. */
(function () {
  "use strict";
  var body = document.body;
  var en = body.getAttribute("data-lang") === "en";
  var toggle = document.getElementById("toggle-en");
  var ids = document.getElementById("toggle-ids");
  var search = document.getElementById("plan-q");
  var found = document.getElementById("plan-found");
  var paras = Array.prototype.slice.call(document.querySelectorAll(".para"));
  var M = en
    ? { found: function (n) { return n === 1 ? "1 paragraph matches" : n + " paragraphs match"; },
        none: function (q) { return "Nothing in the plan matches “" + q + "”."; } }
    : { found: function (n) { return "找到 " + n + " 段"; },
        none: function (q) { return "计划原文中没有“" + q + "”。"; } };

  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }  // "%E0%A4%A" is not an error for us
  }

  function byId(id) { return id ? document.getElementById(id) : null; }

  function barHeight() {
    var bar = document.querySelector(".bar");
    return bar && getComputedStyle(bar).position === "sticky" ? bar.getBoundingClientRect().height : 0;
  }

  function scrollToNode(node) {
    var top = node.getBoundingClientRect().top + window.pageYOffset - barHeight() - 12;
    window.scrollTo(0, Math.max(0, top));
  }

  function cited() {
    var raw = new URLSearchParams(location.search).get("s") || "";
    return raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function clear() {
    document.querySelectorAll(".is-target, .is-cited").forEach(function (n) {
      n.classList.remove("is-target", "is-cited");
    });
  }

  function reach() {
    clear();
    var id = decode(location.hash.slice(1));
    var target = byId(id);
    var sentences = cited().map(byId).filter(function (n) { return n && n.classList.contains("s"); });
    if (target && target.classList.contains("s")) {
      if (sentences.indexOf(target) < 0) sentences.unshift(target);
    }
    var para = target && target.classList.contains("para") ? target
      : (sentences[0] && sentences[0].closest(".para")) || (target && target.closest && target.closest(".para"));
    sentences.forEach(function (s) {
      s.classList.add("is-cited");
      document.querySelectorAll('.s-en[data-s="' + s.id + '"]').forEach(function (e) { e.classList.add("is-cited"); });
    });
    if (para) {
      para.classList.add("is-target");
      var english = para.querySelector("details.para-en");
      if (english && toggle.getAttribute("aria-pressed") === "true") english.open = true;
    }
    var focus = para || target;
    if (!focus) return;
    if (focus.focus) focus.focus({ preventScroll: true });
    var english = en && document.querySelector("details.para-en[open] .s-en.is-cited");  // English readers read it
    var node = english || sentences[0] || target || para;
    var room = window.innerHeight - barHeight() - 24;  // the paragraph's start too, when the sentence still fits
    var from = para && node !== para && node.getBoundingClientRect().bottom - para.getBoundingClientRect().top <= room;
    scrollToNode(from ? para : node);
  }

  function showEnglish(on) {
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = body.getAttribute(on ? "data-hide-en" : "data-show-en");
    document.querySelectorAll("details.para-en").forEach(function (d) { d.open = on; });
  }

  /* search: show the paragraphs (and headings) holding every word, highlight the words where the browser can */
  var highlights = window.CSS && CSS.highlights && window.Highlight ? CSS.highlights : null;

  function fold(text) { return (text || "").normalize("NFKC").toLowerCase(); }

  function mark(words) {
    if (!highlights) return;
    highlights.delete("plan-search");
    if (!words.length) return;
    var ranges = [];
    paras.forEach(function (p) {
      if (p.hidden) return;
      var walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var text = fold(node.nodeValue);
        words.forEach(function (w) {
          for (var at = text.indexOf(w); at >= 0; at = text.indexOf(w, at + w.length)) {
            var range = new Range();
            range.setStart(node, at);
            range.setEnd(node, at + w.length);
            ranges.push(range);
          }
        });
      }
    });
    if (ranges.length) highlights.set("plan-search", new Highlight(...ranges));
  }

  function run() {
    var query = search.value.trim();
    var words = fold(query).split(/\s+/).filter(Boolean);
    var count = 0;
    body.classList.toggle("is-searching", words.length > 0);
    paras.forEach(function (p) {
      var zh = fold(p.querySelector(".para-zh").textContent);
      var english = p.querySelector("details.para-en");
      var enText = english ? fold(english.querySelector("p").textContent) : "";
      var hit = words.every(function (w) { return zh.indexOf(w) >= 0 || enText.indexOf(w) >= 0; });
      p.hidden = words.length > 0 && !hit;
      if (hit && words.length) {
        count += 1;
        if (english && words.some(function (w) { return enText.indexOf(w) >= 0 && zh.indexOf(w) < 0; })) english.open = true;
      }
    });
    document.querySelectorAll("section.sec").forEach(function (sec) {
      var own = sec.querySelectorAll(".para").length;
      var shown = sec.querySelectorAll(".para:not([hidden])").length;
      sec.hidden = words.length > 0 && own > 0 && shown === 0;
    });
    mark(words);
    found.textContent = !words.length ? "" : count ? M.found(count) : M.none(query);
  }

  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 150); });
  document.getElementById("plan-search").addEventListener("submit", function (e) {
    e.preventDefault();
    run();
    var first = paras.filter(function (p) { return !p.hidden; })[0];
    if (first && search.value.trim()) scrollToNode(first);
  });
  var q = new URLSearchParams(location.search).get("q");
  if (q) { search.value = q; run(); }

  toggle.addEventListener("click", function () { showEnglish(toggle.getAttribute("aria-pressed") !== "true"); });
  ids.addEventListener("click", function () {
    var on = ids.getAttribute("aria-pressed") !== "true";
    ids.setAttribute("aria-pressed", on ? "true" : "false");
    body.classList.toggle("show-ids", on);
  });
  if (en) showEnglish(true);
  window.addEventListener("hashchange", reach);
  reach();
  // the browser scrolls to the #fragment once the page has loaded: scroll to the cited sentence after it
  if (location.hash) window.addEventListener("load", function () { setTimeout(reach, 0); });
})();
