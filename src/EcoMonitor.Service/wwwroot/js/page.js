// The page's behaviour with JavaScript on (docs/page.md#live-updates): the live / reconnecting /
// offline indicator, pause, polling while the live stream is down, announcing new and cleared
// alerts, keeping a half-typed comment from being replaced. Without it the page still works:
// forms post and redirect, the Reload link refreshes.
(function () {
  "use strict";
  if (!document.getElementById("live") || !window.htmx) { return; }
  // Looked up each time: a boosted navigation replaces the body's content, header included.
  function byId(id) { return document.getElementById(id); }
  var pollSeconds = parseInt(document.body.getAttribute("data-poll-seconds"), 10) || 15;
  var paused = false;
  var state = document.body.hasAttribute("sse-connect") ? "reconnecting" : "offline";

  function setState(next) {
    state = next;
    var live = byId("live"), pause = byId("pause");
    if (!live) { return; }
    var shown = paused ? "paused" : next;
    live.setAttribute("data-state", shown);
    byId("live-state").textContent = live.getAttribute("data-text-" + shown) || shown;
    pause.hidden = false;
    pause.setAttribute("aria-pressed", paused ? "true" : "false");
    pause.textContent = live.getAttribute(paused ? "data-text-resume" : "data-text-pause");
  }

  function liveParts() { return document.querySelectorAll("[data-live]"); }

  function refresh() {
    liveParts().forEach(function (el) { htmx.trigger(el, "eco:poll"); });
  }

  function alertIds() {
    var ids = {};
    document.querySelectorAll("#alerts [data-alert-id]").forEach(function (row) {
      ids[row.getAttribute("data-alert-id")] = row.getAttribute("data-announce") || "";
    });
    return ids;
  }

  var known = alertIds();

  document.body.addEventListener("click", function (evt) {
    if (!evt.target || evt.target.id !== "pause") { return; }
    paused = !paused;
    setState(state);
    if (!paused) { refresh(); }
  });

  // Paused: no refresh. A comment being typed: the refresh waits until focus leaves the field.
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    var el = evt.detail.elt;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-live")) { return; }
    var active = document.activeElement;
    if (paused) { evt.preventDefault(); return; }
    if (active && el.contains(active) && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT")) {
      el.setAttribute("data-stale", "");
      evt.preventDefault();
    }
  });
  document.body.addEventListener("focusout", function () {
    window.setTimeout(function () {
      document.querySelectorAll("[data-live][data-stale]").forEach(function (el) {
        var active = document.activeElement;
        if (!(active && el.contains(active))) { el.removeAttribute("data-stale"); htmx.trigger(el, "eco:poll"); }
      });
    }, 0);
  });

  // htmx:load fires on each piece of new content (a fragment swapped outerHTML, a boosted body);
  // the element it replaced is detached, so events on that one would not reach the body.
  document.body.addEventListener("htmx:load", function (evt) {
    var el = evt.target;
    if (el === document.body || (el.querySelector && el.querySelector("#live"))) { setState(state); }
    if (el && el.getAttribute && el.getAttribute("data-rendered")) {
      byId("live-updated").textContent = el.getAttribute("data-rendered");
    }
    // Announced only when the live list itself was refreshed; new content holding the list (a
    // navigation) just takes it in; other parts (the summary) leave it alone, since they may settle
    // between the list's swap and its load event.
    if (!el || el.id !== "alerts") {
      if (el && el.querySelector && el.querySelector("#alerts")) { known = alertIds(); }
      return;
    }
    var now = alertIds();
    var news = [], cleared = [];
    Object.keys(now).forEach(function (id) { if (!(id in known)) { news.push(now[id]); } });
    Object.keys(known).forEach(function (id) { if (!(id in now)) { cleared.push(known[id]); } });
    known = now;
    var announce = byId("announce");
    var parts = [];
    if (announce && news.length) { parts.push(announce.getAttribute("data-text-new") + ": " + news.join("; ")); }
    if (announce && cleared.length) { parts.push(announce.getAttribute("data-text-cleared") + ": " + cleared.join("; ")); }
    if (parts.length && announce) { announce.textContent = parts.join(". "); }
  });

  document.body.addEventListener("htmx:sendError", function () { if (state !== "live") { setState("offline"); } });
  document.body.addEventListener("htmx:sseOpen", function () { setState("live"); refresh(); });
  document.body.addEventListener("htmx:sseError", function () { setState(navigator.onLine === false ? "offline" : "reconnecting"); });
  document.body.addEventListener("htmx:sseClose", function () { setState("offline"); });
  window.addEventListener("offline", function () { setState("offline"); });
  window.addEventListener("online", function () { setState("reconnecting"); refresh(); });

  // Fallback: poll while the stream is not live; also now and then while live, so that relative times stay true.
  var ticks = 0;
  window.setInterval(function () {
    ticks++;
    if (paused) { return; }
    if (state !== "live" || ticks % 4 === 0) { refresh(); }
  }, pollSeconds * 1000);

  setState(state);
})();
