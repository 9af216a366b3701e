/* Nankai 2024 plan assistant: a chat button for any page. Plain JS, no outside request.
   <script src="https://HOST/widget.js" data-lang="zh|en" async></script>
   The panel is a modal <dialog> (focus stays in it; Esc closes it). The chat inside says "ready" by postMessage;
   if it does not (the portal is not in BOT_ALLOWED_ORIGINS, or the network failed) the panel shows a message and
   a close button of its own. window.nankaiPlanWidget.open() / .close() / .isOpen() drive it from the page. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.nankaiPlanWidget) return;
  var origin = new URL(me.src, location.href).origin;
  var lang = me.getAttribute("data-lang") === "en" ? "en" : "zh";
  var url = origin + "/widget?lang=" + lang;
  var T = lang === "en"
    ? { button: "Ask the plan", more: ": Nankai 2024 plan assistant", title: "Nankai 2024 plan assistant",
      failed: "The assistant cannot open on this page right now.", window: "Open it in a new window", close: "Close" }
    : { button: "问问发展计划", more: "：南开区2024年发展计划问答", title: "南开区2024年发展计划问答",
      failed: "问答暂时无法在本页面打开。", window: "在新窗口中打开", close: "关闭" };
  var NS = "http://www.w3.org/2000/svg";
  var FONT = "\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",system-ui,sans-serif";
  var narrow = window.matchMedia("(max-width: 600px)");
  var button = document.createElement("button");
  var panel = null, frame = null, failure = null, ready = false, timer = null;

  function css(node, rules) { for (var k in rules) node.style[k] = rules[k]; return node; }
  function make(tag, text, rules) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    return css(node, rules || {});
  }
  function isOpen() { return !!panel && panel.open; }

  function layout() {
    if (!panel) return;
    css(panel, narrow.matches
      ? { inset: "0", width: "100%", height: "100%", borderRadius: "0" }
      : { inset: "auto 20px 88px auto", width: "400px", height: "min(640px, calc(100vh - 110px))", borderRadius: "12px" });
  }

  function show(failed) {  // the chat, or the message with its close button
    frame.style.display = failed ? "none" : "block";
    failure.style.display = failed ? "flex" : "none";
    if (failed && isOpen()) failure.querySelector("button").focus();
  }

  function wait() {  // the chat has this long to say it is ready
    clearTimeout(timer);
    timer = setTimeout(function () { if (!ready) show(true); }, 8000);
  }

  function focusFrame() {
    frame.focus();
    frame.contentWindow.postMessage({ type: "nankai-plan-widget:focus" }, origin);
  }

  function build() {
    panel = css(document.createElement("dialog"), { position: "fixed", margin: "0", padding: "0", border: "0",
      maxWidth: "none", maxHeight: "none", overflow: "hidden", background: "#fff", color: "#1f2933",
      boxShadow: "0 8px 32px rgba(15,30,50,.3)", zIndex: "2147483001" });
    panel.id = "nankai-plan-widget-panel";
    panel.setAttribute("aria-label", T.title);
    frame = make("iframe", "", { border: "0", width: "100%", height: "100%", display: "block" });
    frame.title = T.title;
    frame.src = url;  // before it is in the page: no about:blank load to mistake for ours
    frame.addEventListener("load", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { if (!ready) show(true); }, 1500);
    });
    failure = make("div", "", { display: "none", flexDirection: "column", gap: "16px", padding: "24px", height: "100%",
      boxSizing: "border-box", font: "16px/1.6 " + FONT, justifyContent: "center", alignItems: "flex-start" });
    failure.setAttribute("role", "alert");
    failure.appendChild(make("strong", T.title, { fontSize: "18px" }));
    failure.appendChild(make("p", T.failed, { margin: "0" }));
    var link = make("a", T.window + " ↗", { color: "#1d4e89", fontWeight: "600", padding: "8px 0" });
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    failure.appendChild(link);
    var x = make("button", T.close, { minHeight: "44px", padding: "0 20px", border: "0", borderRadius: "8px",
      background: "#1d4e89", color: "#fff", font: "600 16px/1 " + FONT, cursor: "pointer" });
    x.type = "button";
    x.addEventListener("click", close);
    failure.appendChild(x);
    panel.appendChild(frame);
    panel.appendChild(failure);
    panel.addEventListener("cancel", function (e) { e.preventDefault(); close(); });  // Esc
    panel.addEventListener("click", function (e) { if (e.target === panel) close(); });  // the backdrop
    document.body.appendChild(panel);
    button.setAttribute("aria-controls", panel.id);
    layout();
    wait();
  }

  function open() {
    if (!panel) build();
    else if (!ready) { frame.src = url; wait(); }  // it failed before: try again
    if (!isOpen()) panel.showModal();
    button.setAttribute("aria-expanded", "true");
    if (ready) focusFrame(); else if (failure.style.display !== "none") show(true); else frame.focus();
  }

  function close() {
    if (!isOpen()) return;
    panel.close();
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow || !e.data) return;
    if (e.data.type === "nankai-plan-widget:close") close();
    if (e.data.type === "nankai-plan-widget:ready") {
      ready = true;
      clearTimeout(timer);
      show(false);
      if (isOpen()) focusFrame();
    }
  });

  button.type = "button";
  var svg = document.createElementNS(NS, "svg");
  var path = document.createElementNS(NS, "path");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "22");
  svg.setAttribute("height", "22");
  svg.setAttribute("aria-hidden", "true");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z");
  svg.appendChild(path);
  css(svg, { marginRight: "8px", flex: "none" });
  button.appendChild(svg);
  button.appendChild(document.createTextNode(T.button));
  button.setAttribute("aria-label", T.button + T.more);  // the visible label starts the accessible name
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-haspopup", "dialog");
  css(button, { position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000", minHeight: "52px", display: "inline-flex",
    alignItems: "center", padding: "0 20px", border: "0", borderRadius: "26px", background: "#1d4e89", color: "#fff",
    cursor: "pointer", font: "600 16px/1 " + FONT, boxShadow: "0 4px 16px rgba(15,30,50,.3)" });
  button.addEventListener("click", function () { if (isOpen()) close(); else open(); });
  if (narrow.addEventListener) narrow.addEventListener("change", layout);

  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.nankaiPlanWidget = { open: open, close: close, isOpen: isOpen };
})();
