/* The chat at / (Gradio): show each new answer's first line, plain-text names for screen readers, a character
   counter near the limit, <html lang> in step with the interface language, announcements for the items filter.
   Only text goes into the page (textContent, setAttribute); nothing here builds HTML. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="nankai-question-limit"]');
  var LIMIT = meta ? parseInt(meta.getAttribute("content"), 10) || 500 : 500, NEAR = Math.floor(LIMIT * 0.8);
  var S = {
    zh: { you: "您问：", bot: "回答：", log: "对话", left: "还可输入 {n} 字", over: "超出 {n} 字，请删减后再提问",
      count: "{n} / {limit}" },
    en: { you: "You asked: ", bot: "Answer: ", log: "Conversation", left: "{n} characters left",
      over: "{n} characters over the limit — please shorten it", count: "{n} / {limit}" }
  };
  var lang = "zh";
  var announcer = null, lastAnnounced = "";

  function t() { return S[lang] || S.zh; }
  function fill(s, n) { return s.replace("{n}", String(n)).replace("{limit}", String(LIMIT)); }
  function plain(node) { return (node && node.textContent || "").replace(/\s+/g, " ").trim(); }

  function announce(message) {
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "sr-only";
      announcer.id = "sr-announce";
      announcer.setAttribute("aria-live", "polite");
      document.body.appendChild(announcer);
    }
    if (message === lastAnnounced) return;
    lastAnnounced = message;
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = message; }, 50);
  }

  /* Gradio names each message "bot's message: <the raw HTML>": give screen readers the text instead. */
  function nameMessages() {
    var chat = document.getElementById("chat");
    if (!chat) return;
    var logEl = chat.querySelector('[role="log"]');
    if (logEl && logEl.getAttribute("aria-label") !== t().log) logEl.setAttribute("aria-label", t().log);
    chat.querySelectorAll(".message-row [aria-label]").forEach(function (m) {
      if (m.tagName === "BUTTON" || m.closest("button")) return;
      var row = m.closest(".message-row");
      var isUser = row.classList.contains("user-row");
      var body = m.querySelector(isUser ? ".user-q" : ".reply") || m.querySelector(".notice") || m;
      var name = (isUser ? t().you : t().bot) + plain(body);
      if (m.getAttribute("aria-label") !== name) m.setAttribute("aria-label", name);
    });
  }

  /* Gradio's radio and checkbox groups have no legend: name each fieldset after its visible label */
  function nameGroups() {
    document.querySelectorAll("fieldset.block").forEach(function (f, i) {
      var info = f.querySelector(':scope > [data-testid="block-info"]');
      if (!info) return;
      if (!info.id) info.id = "group-label-" + i;
      if (f.getAttribute("aria-labelledby") !== info.id) {
        f.setAttribute("role", "group");
        f.setAttribute("aria-labelledby", info.id);
      }
    });
  }

  function inputBox() { return document.querySelector("#question textarea, #question input"); }

  function counter() {
    var box = inputBox();
    if (!box) return null;
    var el = document.getElementById("ask-count");
    if (!el) {
      el = document.createElement("p");
      el.id = "ask-count";
      el.className = "ask-count";
      el.hidden = true;
      var row = box.closest(".ask-row") || box.parentNode;
      row.parentNode.insertBefore(el, row.nextSibling);
      box.setAttribute("aria-describedby", "ask-count");
    }
    return el;
  }

  function count() {
    var box = inputBox(), el = counter();
    if (!box || !el) return;
    var n = box.value.trim().length;
    el.hidden = n < NEAR;
    el.classList.toggle("is-over", n > LIMIT);
    var message = n > LIMIT ? fill(t().over, n - LIMIT) : fill(t().left, LIMIT - n);
    el.textContent = fill(t().count, n) + " · " + message;
    if (n > LIMIT) announce(fill(t().over, n - LIMIT));
    else if (n >= LIMIT - 20) announce(fill(t().left, LIMIT - n));
  }

  function place(last) {  // returns where the question (or the answer) now starts on screen
    var question = last.previousElementSibling;
    var message = last.querySelector(".message") || last;
    var wrap = last.closest(".panel-wrap, .bubble-wrap");
    var inner = wrap && getComputedStyle(wrap).overflowY !== "visible" && wrap.scrollHeight > wrap.clientHeight + 1;
    var start = question && question.classList.contains("user-row") ? question : last;
    if (inner) {  // desktop: the conversation scrolls in its panel; bring the question to the panel's top
      wrap.scrollTop += start.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
    }
    var top = start.getBoundingClientRect().top;
    var first = message.getBoundingClientRect().top;
    if (first - top > window.innerHeight * 0.5) top = first - 8;  // a long question: start at the answer
    // the page's own scroll (phones): the question at the top, so the answer and its first source fit below it;
    // in a panel (desktop): only when the panel's answer is off screen
    if (!inner || top < 0 || first + 48 > window.innerHeight) window.scrollBy(0, top - 8);
    return { message: message, scrollY: window.pageYOffset };
  }

  /* After an answer: its first line on screen, and (on touch screens) the keyboard closed and focus on it. */
  function showAnswer(tries) {
    tries = tries || 0;
    var rows = document.querySelectorAll("#chat .message-row");
    var last = rows[rows.length - 1];
    var ready = last && last.classList.contains("bot-row") && last.querySelector(".reply, .notice, .message-content");
    if (!ready) {
      if (tries < 30) setTimeout(function () { showAnswer(tries + 1); }, 100);
      return;
    }
    if (last.getAttribute("data-shown")) return;
    requestAnimationFrame(function () {  // once the answer is laid out (the page is then tall enough to scroll)
      requestAnimationFrame(function () {
        if (last.getAttribute("data-shown")) return;
        nameMessages();
        count();
        var placed = place(last);
        if (window.matchMedia("(pointer: coarse)").matches) {
          var active = document.activeElement;
          if (active && active.blur && /^(TEXTAREA|INPUT)$/.test(active.tagName)) active.blur();
          placed.message.setAttribute("tabindex", "-1");
          placed.message.focus({ preventScroll: true });
        }
        setTimeout(function () {  // late layout (fonts, cards): place it again unless the reader has scrolled
          if (window.pageYOffset === placed.scrollY) place(last);
          last.setAttribute("data-shown", "1");
        }, 200);
      });
    });
  }

  function focusComment() {
    setTimeout(function () {
      var box = document.querySelector("#fb-box:not(.hidden) textarea");
      if (box && box.offsetParent) {
        box.focus({ preventScroll: true });
        box.scrollIntoView({ block: "nearest" });
      }
    }, 150);
  }

  function setLang(value) {
    lang = value === "en" ? "en" : "zh";
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    nameMessages();
    count();
  }

  var itemsCount = "";
  function watchItems() {
    var el = document.querySelector("#items-view .items-count");
    var now = plain(el);
    if (now && now !== itemsCount) {
      if (itemsCount) announce(now);
      itemsCount = now;
    }
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; nameMessages(); nameGroups(); watchItems(); counter(); });
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label"] });
  document.addEventListener("input", function (e) {
    if (e.target && e.target.closest && e.target.closest("#question")) count();
  });

  /* One colour scheme: the light one, whose colours are checked for contrast (Gradio's dark theme would put our dark
     blue text on its dark background). */
  function light() { if (document.body.classList.contains("dark")) document.body.classList.remove("dark"); }
  light();
  new MutationObserver(light).observe(document.body, { attributes: true, attributeFilter: ["class"] });

  window.nankaiChat = { showAnswer: showAnswer, setLang: setLang, focusComment: focusComment, count: count };
})();
