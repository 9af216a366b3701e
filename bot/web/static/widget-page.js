/* The chat inside the portal widget's iframe (/widget). Every question and answer goes in as text
   (textContent), never as HTML. Esc and the close button ask the parent page to close the panel. */
(function () {
  "use strict";
  var lang = document.body.getAttribute("data-lang") === "en" ? "en" : "zh";
  var S = {
    zh: { wait: "正在查找…", sources: "出处", unofficial: "（非官方译文）", open: "在计划原文中查看 ↗", related: "相关主题：",
      up: "有帮助", down: "没有帮助", thanks: "感谢反馈", busy: "请求过于频繁，请稍后再试。",
      notReady: "系统正在准备，请稍后再试。", failed: "暂时无法回答，请稍后再试。" },
    en: { wait: "Looking it up…", sources: "Sources", unofficial: " (unofficial translation)", open: "View in the plan ↗",
      related: "Related topics: ", up: "Helpful", down: "Not helpful", thanks: "Thank you", busy: "Too many requests — please try again shortly.",
      notReady: "The assistant is starting — please try again shortly.", failed: "No answer right now — please try again later." }
  }[lang];
  var log = document.getElementById("w-log");
  var form = document.getElementById("w-form");
  var input = document.getElementById("w-q");
  var sendButton = document.getElementById("w-send");
  var closeButton = document.getElementById("w-close");
  var history = [];
  var embedded = window.parent !== window;
  var parentOrigin = (location.ancestorOrigins && location.ancestorOrigins.length) ? location.ancestorOrigins[0]
    : (document.referrer ? new URL(document.referrer).origin : "*");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function planLink(url, label) {
    var a = el("a", "", label);
    a.href = lang === "en" ? url.replace("/plan#", "/plan?lang=en#") : url;
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }

  function add(node) {
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function close() {
    if (embedded) window.parent.postMessage({ type: "nankai-plan-widget:close" }, parentOrigin);
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

  function feedback(question, answer) {
    var box = el("div", "fb");
    [[1, false, S.up], [-1, true, S.down]].forEach(function (item) {
      var b = el("button");
      b.appendChild(icon(THUMB, item[1]));
      b.type = "button";
      b.setAttribute("aria-label", item[2]);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        b.setAttribute("aria-pressed", "true");
        fetch("/api/feedback", { method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ question: question, answer: answer, rating: item[0], comment: "" }) })
          .then(function (r) { if (r.ok) box.appendChild(el("span", "fb-done", S.thanks)); })
          .catch(function () { /* feedback is best effort */ });
      });
      box.appendChild(b);
    });
    return box;
  }

  function answerNode(question, data) {
    var node = el("div", "msg bot");
    node.appendChild(el("p", "answer", data.answer)).lang = data.language === "en" ? "en" : "zh-CN";
    if (data.citations && data.citations.length) {
      node.appendChild(el("p", "cites-title", S.sources));
      var list = node.appendChild(el("ol", "cites"));
      data.citations.forEach(function (c) {
        var item = list.appendChild(el("li", "cite"));
        var head = item.appendChild(el("p", "cite-label"));
        head.appendChild(el("span", "n", "[" + c.n + "]"));
        head.appendChild(document.createTextNode(lang === "en" ? c.label_en : c.label));
        item.appendChild(el("p", "cite-label-2", lang === "en" ? c.label : c.label_en));
        item.appendChild(el("blockquote", "", c.quote)).lang = "zh-CN";
        if (c.quote_en) {
          var en = el("p", "cite-en", c.quote_en);
          en.lang = "en";
          en.appendChild(el("span", "unofficial", S.unofficial));
          if (lang === "zh") {  // folded for Chinese readers
            var box = item.appendChild(el("details", "cite-en-box"));
            box.appendChild(el("summary", "", "English"));
            box.appendChild(en);
          } else {
            item.appendChild(en);
          }
        }
        item.appendChild(planLink(c.url, S.open));
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

  function ask(question) {
    question = question.trim().slice(0, 500);
    if (!question || sendButton.disabled) return;
    add(el("div", "msg user", question));
    var waiting = add(el("div", "msg bot wait", S.wait));
    sendButton.disabled = true;
    fetch("/api/ask", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: question, lang: "auto", history: history.slice(-10) }) })
      .then(function (r) {
        return r.json().then(function (body) { return { status: r.status, body: body }; });
      })
      .then(function (res) {
        log.removeChild(waiting);
        if (res.status !== 200) {
          var text = res.status === 429 ? S.busy : res.status === 503 ? S.notReady : S.failed;
          add(el("div", "msg bot err", text));
          return;
        }
        history.push({ role: "user", content: question }, { role: "assistant", content: res.body.answer.slice(0, 2000) });
        add(answerNode(question, res.body));
      })
      .catch(function () {
        if (waiting.parentNode) log.removeChild(waiting);
        add(el("div", "msg bot err", S.failed));
      })
      .then(function () { sendButton.disabled = false; input.focus(); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    input.value = "";
    ask(q);
  });
  document.querySelectorAll(".w-example").forEach(function (b) {
    b.addEventListener("click", function () { ask(b.textContent); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); close(); }
  });
  closeButton.addEventListener("click", close);
  if (!embedded) closeButton.hidden = true;
  window.addEventListener("message", function (e) {
    if (e.source === window.parent && e.data && e.data.type === "nankai-plan-widget:focus") input.focus();
  });
  if (embedded) input.focus();
})();
