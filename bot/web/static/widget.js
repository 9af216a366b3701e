/* Nankai 2024 plan assistant: a chat button for any page. Plain JS, no outside request.
   <script src="https://HOST/widget.js" data-lang="zh|en" async></script> */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.nankaiPlanWidget) return;
  var origin = new URL(me.src, location.href).origin;
  var lang = me.getAttribute("data-lang") === "en" ? "en" : "zh";
  var T = lang === "en"
    ? { button: "Ask the plan", open: "Open the Nankai 2024 plan assistant", title: "Nankai 2024 plan assistant" }
    : { button: "问问发展计划", open: "打开南开区2024年发展计划问答", title: "南开区2024年发展计划问答" };
  var NS = "http://www.w3.org/2000/svg";
  var narrow = window.matchMedia("(max-width: 600px)");
  var button = document.createElement("button");
  var panel = null;
  var frame = null;

  function css(node, rules) { for (var k in rules) node.style[k] = rules[k]; }
  function isOpen() { return !!panel && panel.style.display !== "none"; }

  function layout() {
    if (!panel) return;
    css(panel, narrow.matches
      ? { inset: "0", width: "100%", height: "100%", borderRadius: "0" }
      : { inset: "auto 20px 88px auto", width: "400px", height: "min(640px, calc(100vh - 110px))", borderRadius: "12px" });
  }

  function focusFrame() {
    frame.focus();
    frame.contentWindow.postMessage({ type: "nankai-plan-widget:focus" }, origin);
  }

  function open() {
    if (!panel) {
      panel = document.createElement("div");
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-label", T.title);
      panel.id = "nankai-plan-widget-panel";
      css(panel, { position: "fixed", zIndex: "2147483001", overflow: "hidden", background: "#fff",
        boxShadow: "0 8px 32px rgba(15,30,50,.3)" });
      frame = document.createElement("iframe");
      frame.src = origin + "/widget?lang=" + lang;
      frame.title = T.title;
      css(frame, { border: "0", width: "100%", height: "100%", display: "block" });
      frame.addEventListener("load", focusFrame);
      panel.appendChild(frame);
      document.body.appendChild(panel);
      button.setAttribute("aria-controls", panel.id);
      layout();
    }
    panel.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    focusFrame();
  }

  function close() {
    if (!isOpen()) return;
    panel.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

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
  button.setAttribute("aria-label", T.open);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-haspopup", "dialog");
  css(button, { position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000", minHeight: "52px", display: "inline-flex", alignItems: "center",
    padding: "0 20px", border: "0", borderRadius: "26px", background: "#1d4e89", color: "#fff", cursor: "pointer",
    font: "600 16px/1 \"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",system-ui,sans-serif",
    boxShadow: "0 4px 16px rgba(15,30,50,.3)" });
  button.addEventListener("click", function () { if (isOpen()) close(); else open(); });
  window.addEventListener("message", function (e) {
    if (e.origin === origin && frame && e.source === frame.contentWindow && e.data
        && e.data.type === "nankai-plan-widget:close") close();
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && isOpen()) close(); });
  if (narrow.addEventListener) narrow.addEventListener("change", layout);

  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.nankaiPlanWidget = { open: open, close: close };
})();
