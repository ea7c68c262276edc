// Storyline's only script, served as a file (the Content-Security-Policy allows no inline script).
// Progressive enhancement: every page works without it. On the compare page, focusing or hovering a
// matched sentence (or an evidence line) highlights its partner in the other text.
"use strict";
(function () {
  function partners(pair) {
    return document.querySelectorAll('mark.match[data-pair="' + pair + '"]');
  }
  function setActive(pair, on) {
    partners(pair).forEach(function (el) { el.classList.toggle("active", on); });
  }
  function bind(el) {
    var pair = el.getAttribute("data-pair");
    if (!/^[0-9]+$/.test(pair || "")) return;
    ["mouseenter", "focus"].forEach(function (ev) { el.addEventListener(ev, function () { setActive(pair, true); }); });
    ["mouseleave", "blur"].forEach(function (ev) { el.addEventListener(ev, function () { setActive(pair, false); }); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("mark.match[data-pair], a.pair-link[data-pair]").forEach(bind);
    document.documentElement.classList.add("js");
  });
})();
