/* The chat inside the portal widget's iframe (/widget). Every question and answer goes in as text
   (textContent), never as HTML. It tells the portal page it is ready (widget.js shows a message of its own when it
   never hears that); Esc and the close button ask the portal page to close the panel. A new answer gets the focus,
   so Tab goes on to its citation links; a 👎 may carry a comment, sent once with the rating. */
(function () {
  "use strict";
  var lang = document.body.getAttribute("data-lang") === "en" ? "en" : "zh";
  var S = {
    zh: { wait: "正在查找…", sources: "出处", unofficial: "（非官方译文）", open: "在计划原文中查看 ↗", related: "相关主题：",
      up: "有帮助", down: "没有帮助", thanks: "感谢反馈", busy: "请求过于频繁，请稍后再试。",
      notReady: "系统正在准备索引（首次启动需要一到三分钟），请稍后再试。", failed: "暂时无法回答，请稍后再试。",
      progress: "正在建立索引：已处理 {done} / {total} 段，请稍后再试。",
      english: "英文译文", fullEn: "完整英文译文", approved: "经工作人员审核 · reviewed by district staff",
      empty: "请先输入您的问题。", tooLong: "问题最多{limit}个字，现在是{n}个字，请删减{over}个字（问题没有发送）。",
      left: "还可输入{n}字", over: "超出{n}字", comment: "哪里不对？（可选，请勿填写个人信息）", send: "发送", skip: "跳过" },
    en: { wait: "Looking it up…", sources: "Sources", unofficial: " (unofficial translation)", open: "View in the plan ↗",
      related: "Related topics: ", up: "Helpful", down: "Not helpful", thanks: "Thank you", busy: "Too many requests — please try again shortly.",
      notReady: "The assistant is preparing its index (one to three minutes on first start) — please try again shortly.",
      failed: "No answer right now — please try again later.", english: "English", fullEn: "Full English rendering",
      progress: "Building the index: {done} of {total} passages done — please try again shortly.",
      approved: "经工作人员审核 · reviewed by district staff", empty: "Please type your question first.",
      tooLong: "Questions can be up to {limit} characters; yours has {n}. Please shorten it by {over} (it was not sent).",
      left: "{n} characters left", over: "{n} characters over the limit",
      comment: "What was wrong? (optional; please leave out personal details)", send: "Send", skip: "Skip" }
  }[lang];
  var log = document.getElementById("w-log");
  var form = document.getElementById("w-form");
  var input = document.getElementById("w-q");
  var sendButton = document.getElementById("w-send");
  var closeButton = document.getElementById("w-close");
  var hint = document.getElementById("w-hint");
  var counter = document.getElementById("w-count");
  var LIMIT = parseInt(input.getAttribute("data-limit"), 10) || 500;
  var history = [];
  var pending = null;  // a 👎 waiting for its optional comment: {question, answer, box}
  var embedded = window.parent !== window;
  var parentOrigin = (location.ancestorOrigins && location.ancestorOrigins.length) ? location.ancestorOrigins[0]
    : (document.referrer ? new URL(document.referrer).origin : "*");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function fill(s, values) {
    return s.replace(/\{(\w+)\}/g, function (_, k) { return String(values[k]); });
  }

  function planUrl(url, sentences) {
    var parts = url.split("#");
    if (parts[0] !== "/plan" || parts.length < 2) return url;
    var query = [];
    if (lang === "en") query.push("lang=en");
    if (sentences && sentences.length) {  // IDs keep their slashes, as /plan's own links write them
      query.push("s=" + sentences.map(function (id) { return encodeURIComponent(id).replace(/%2F/g, "/"); }).join(","));
    }
    return "/plan" + (query.length ? "?" + query.join("&") : "") + "#" + parts[1];
  }

  function planLink(url, label, sentences) {
    var a = el("a", "", label);
    a.href = planUrl(url, sentences);
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }

  function add(node) {
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function post(type) {
    if (embedded) window.parent.postMessage({ type: "nankai-plan-widget:" + type }, parentOrigin);
  }

  var THUMB = "M2 21h4V9H2v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L15.17 1 " +
    "8.59 7.59C8.22 7.95 8 8.45 8 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

  function icon(path, flip) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (flip) svg.setAttribute("transform", "rotate(180)");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    p.setAttribute("fill", "currentColor");
    svg.appendChild(p);
    return svg;
  }

  function sendFeedback(question, answer, rating, comment, box, beacon) {
    var body = JSON.stringify({ question: question, answer: answer.slice(0, 5000), rating: rating, comment: comment || "" });
    if (beacon && navigator.sendBeacon) {
      navigator.sendBeacon("/api/feedback", new Blob([body], { type: "application/json" }));
      return;
    }
    fetch("/api/feedback", { method: "POST", headers: { "content-type": "application/json" }, body: body })
      .then(function (r) { if (r.ok && box) box.appendChild(el("span", "fb-done", S.thanks)); })
      .catch(function () { /* feedback is best effort */ });
  }

  function flush(beacon) {  // a 👎 whose comment never came is sent without one
    if (!pending) return;
    var p = pending;
    pending = null;
    if (p.form.parentNode) p.form.parentNode.removeChild(p.form);
    sendFeedback(p.question, p.answer, -1, "", p.box, beacon);
  }

  function commentForm(question, answer, box) {
    var f = el("form", "fb-comment");
    var id = "fb-c-" + Math.random().toString(36).slice(2);
    var label = f.appendChild(el("label", "", S.comment));
    label.htmlFor = id;
    var area = f.appendChild(el("textarea"));
    area.id = id;
    area.rows = 2;
    area.maxLength = 1000;
    var row = f.appendChild(el("div", "fb-comment-row"));
    var send = row.appendChild(el("button", "fb-send", S.send));
    send.type = "submit";
    var skip = row.appendChild(el("button", "fb-skip", S.skip));
    skip.type = "button";
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      pending = null;
      f.parentNode.removeChild(f);
      sendFeedback(question, answer, -1, area.value.trim(), box);
      box.focus();
    });
    skip.addEventListener("click", function () { flush(false); box.focus(); });
    return f;
  }

  function feedback(question, answer) {
    var box = el("div", "fb");
    box.tabIndex = -1;
    [[1, false, S.up], [-1, true, S.down]].forEach(function (item) {
      var b = el("button");
      b.appendChild(icon(THUMB, item[1]));
      b.type = "button";
      b.setAttribute("aria-label", item[2]);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {  // one rating per answer
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        b.setAttribute("aria-pressed", "true");
        if (item[0] === 1) { sendFeedback(question, answer, 1, "", box); return; }
        flush(false);
        var f = commentForm(question, answer, box);
        pending = { question: question, answer: answer, box: box, form: f };
        box.parentNode.insertBefore(f, box.nextSibling);
        f.querySelector("textarea").focus();
      });
      box.appendChild(b);
    });
    return box;
  }

  function answerNode(question, data) {
    var node = el("div", "msg bot");
    node.tabIndex = -1;
    var text = data.answer || "";
    var cut = text.indexOf("\n");
    var tag = data.language === "en" ? "en" : "zh-CN";
    if (data.mode === "approved") {
      var when = data.approved && data.approved.updated_at ? " · " + String(data.approved.updated_at).slice(0, 10) : "";
      node.appendChild(el("p", "badge-approved", "✓ " + S.approved + when));
    }
    node.appendChild(el("p", "answer direct" + (data.partial ? " is-partial" : ""), cut < 0 ? text : text.slice(0, cut))).lang = tag;
    if (cut >= 0 && text.slice(cut + 1).trim()) node.appendChild(el("p", "support", text.slice(cut + 1).trim())).lang = tag;
    if (data.citations && data.citations.length) {
      node.appendChild(el("p", "cites-title", S.sources));
      var list = node.appendChild(el("ol", "cites"));
      data.citations.forEach(function (c) {
        var item = list.appendChild(el("li", "cite"));
        var head = item.appendChild(el("p", "cite-label"));
        head.appendChild(el("span", "n", "[" + c.n + "]"));
        head.appendChild(document.createTextNode(lang === "en" ? c.label_en : c.label));
        item.appendChild(el("p", "cite-label-2", lang === "en" ? c.label : c.label_en));
        var quote = el("blockquote", "", "");
        quote.appendChild(el("mark", "", c.quote));
        quote.lang = "zh-CN";
        if (c.quote_en) {
          var box = el("div", "cite-en-box");
          var en = box.appendChild(el("p", "cite-en", c.quote_en));
          en.lang = "en";
          en.appendChild(el("span", "unofficial", S.unofficial));
          if (c.text_en && c.text_en !== c.quote_en) {
            var full = box.appendChild(el("details", "cite-full-en"));
            full.appendChild(el("summary", "", S.fullEn));
            full.appendChild(el("p", "cite-en", c.text_en)).lang = "en";
          }
          if (lang === "zh") {  // folded for Chinese readers
            item.appendChild(quote);
            var fold = item.appendChild(el("details", "cite-en-box"));
            fold.appendChild(el("summary", "", S.english));
            fold.appendChild(box);
          } else {
            item.appendChild(box);
            item.appendChild(quote);
          }
        } else {
          item.appendChild(quote);
        }
        item.appendChild(planLink(c.url, S.open, c.sentence_ids));
      });
    }
    if (data.related && data.related.length) {
      var rel = node.appendChild(el("p", "related", S.related));
      data.related.forEach(function (r, i) {
        if (i) rel.appendChild(document.createTextNode(" · "));
        rel.appendChild(planLink(r.url, r.title));
      });
    }
    node.appendChild(feedback(question, data.answer));
    return node;
  }

  function say(message) { hint.textContent = message; }

  function count() {
    var n = input.value.trim().length;
    counter.hidden = n < LIMIT * 0.8;
    counter.classList.toggle("is-over", n > LIMIT);
    counter.textContent = n + " / " + LIMIT + " · " + (n > LIMIT ? fill(S.over, { n: n - LIMIT }) : fill(S.left, { n: LIMIT - n }));
  }

  function ask(question) {
    question = question.trim();
    if (sendButton.disabled) return false;
    if (!question) { say(S.empty); return false; }
    if (question.length > LIMIT) {  // never cut: say so and keep the text
      say(fill(S.tooLong, { limit: LIMIT, n: question.length, over: question.length - LIMIT }));
      return false;
    }
    say("");
    flush(false);
    add(el("div", "msg user", question));
    var waiting = add(el("div", "msg bot wait", S.wait));
    sendButton.disabled = true;
    var shown = null;
    fetch("/api/ask", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: question, lang: "auto", history: history.slice(-10) }) })
      .then(function (r) {
        return r.json().then(function (body) { return { status: r.status, body: body }; });
      })
      .then(function (res) {
        log.removeChild(waiting);
        if (res.status !== 200) {
          var text = res.status === 429 ? S.busy : res.status === 503 ? S.notReady : S.failed;
          var node = add(el("div", "msg bot err", text));
          if (res.status === 503) {  // the real state, when the server reports the build's progress
            fetch("/api/health").then(function (r) { return r.json(); }).then(function (h) {
              var p = h && h.progress;
              if (p && p.total) node.textContent = fill(S.progress, { done: p.done || 0, total: p.total });
            }).catch(function () { /* the general message stays */ });
          }
          return;
        }
        history.push({ role: "user", content: question }, { role: "assistant", content: res.body.answer.slice(0, 2000) });
        shown = add(answerNode(question, res.body));
      })
      .catch(function () {
        if (waiting.parentNode) log.removeChild(waiting);
        add(el("div", "msg bot err", S.failed));
      })
      .then(function () {
        sendButton.disabled = false;
        if (!shown) { input.focus(); return; }
        var q = shown.previousElementSibling;  // the question and the answer's first line in view, focus on it
        log.scrollTop = (q || shown).offsetTop - log.offsetTop - 8;
        shown.focus({ preventScroll: true });
      });
    return true;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (ask(input.value)) { input.value = ""; count(); }
  });
  input.addEventListener("input", function () { count(); if (hint.textContent) say(""); });
  document.querySelectorAll(".w-example").forEach(function (b) {
    b.addEventListener("click", function () { ask(b.textContent); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); post("close"); }
  });
  closeButton.addEventListener("click", function () { post("close"); });
  if (!embedded) closeButton.hidden = true;
  window.addEventListener("message", function (e) {
    if (e.source === window.parent && e.data && e.data.type === "nankai-plan-widget:focus") input.focus();
  });
  window.addEventListener("pagehide", function () { flush(true); });
  post("ready");
  if (embedded) input.focus();
})();
