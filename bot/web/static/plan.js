/* The plan viewer: highlight and focus the paragraph named in the URL hash; show English on demand. */
(function () {
  "use strict";
  var toggle = document.getElementById("toggle-en");
  var all = function () { return document.querySelectorAll("details.para-en"); };

  function reach() {
    var old = document.querySelector(".para.is-target");
    if (old) old.classList.remove("is-target");
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    if (target.classList.contains("para")) {
      target.classList.add("is-target");
      if (toggle.getAttribute("aria-pressed") === "true") {
        var en = target.querySelector("details.para-en");
        if (en) en.open = true;
      }
    }
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }

  function showEnglish(on) {
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? "隐藏英文译文 · Hide English" : "显示英文译文 · Show English";
    all().forEach(function (d) { d.open = on; });
  }

  toggle.addEventListener("click", function () { showEnglish(toggle.getAttribute("aria-pressed") !== "true"); });
  if (new URLSearchParams(location.search).get("lang") === "en") showEnglish(true);
  window.addEventListener("hashchange", reach);
  reach();
})();
