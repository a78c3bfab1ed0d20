/* The front-desk queue, kept current: every few seconds it asks the server for a version stamp and counts
   (no names, no health data). When something changed it fetches the page again and swaps the list in,
   unless the person is working in it. The tab title shows how many new urgent requests wait. If the
   session has ended, it says so plainly instead of leaving a stale list on screen.
   Without JavaScript the page keeps its Refresh link and the time of its last update. */
(function () {
  "use strict";

  var root = document.getElementById("queue-live");
  if (!root || !window.fetch || !window.DOMParser) {
    return;
  }
  var interval = Math.max(1, parseFloat(root.getAttribute("data-interval")) || 20) * 1000;
  var liveUrl = root.getAttribute("data-live-url");
  var baseTitle = root.getAttribute("data-title") || document.title;
  var idleMinutes = root.getAttribute("data-idle-minutes");
  var loginUrl = root.getAttribute("data-login-url");
  var timer = null;

  function setTitle(urgent) {
    document.title = (urgent > 0 ? "(" + urgent + " urgent) " : "") + baseTitle;
  }

  function message(text) {
    var box = document.querySelector("[data-live-message]");
    if (box) {
      box.textContent = text;
    }
  }

  function signedOut() {
    window.clearInterval(timer);
    document.title = "Signed out – " + baseTitle;
    if (document.getElementById("signed-out")) {
      return;
    }
    var notice = document.createElement("div");
    notice.id = "signed-out";
    notice.className = "notice notice-problem";
    notice.setAttribute("role", "alert");
    var text = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = "You were signed out";
    text.appendChild(strong);
    text.appendChild(document.createTextNode(
      (idleMinutes ? " after " + idleMinutes + " minutes without activity" : "") +
      ". This list is no longer updated and may be out of date. "));
    var link = document.createElement("a");
    link.href = loginUrl;
    link.textContent = "Sign in again";
    text.appendChild(link);
    notice.appendChild(text);
    var main = document.getElementById("main");
    main.insertBefore(notice, main.firstChild);
    root.classList.add("queue-stale");
  }

  function workingInList() {
    var active = document.activeElement;
    return active && active !== document.body && root.contains(active);
  }

  function refresh(state) {
    fetch(window.location.href, { credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || !response.ok) {
          if (response.type === "opaqueredirect") { signedOut(); }
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("queue-live");
        var tabs = page.querySelector(".status-tabs");
        if (!fresh) {
          return;
        }
        if (workingInList()) {
          message("The list has changed. Use Refresh to see it.");
          return;
        }
        root.innerHTML = fresh.innerHTML;
        root.setAttribute("data-version", state.version);
        var oldTabs = document.querySelector(".status-tabs");
        if (tabs && oldTabs) {
          oldTabs.innerHTML = tabs.innerHTML;
        }
        message(state.newArrivals > 0 ? state.newArrivals + " new request" +
          (state.newArrivals === 1 ? "" : "s") + " arrived." : "The list was updated.");
      });
  }

  var lastNew = null;

  function poll() {
    fetch(liveUrl, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          signedOut();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        setTitle(state.urgent_new);
        var arrivals = lastNew === null ? 0 : Math.max(0, state["new"] - lastNew);
        lastNew = state["new"];
        if (state.version !== root.getAttribute("data-version")) {
          refresh({ version: state.version, newArrivals: arrivals });
        }
      })
      .catch(function () {
        message("Could not check for new requests; trying again.");
      });
  }

  timer = window.setInterval(poll, interval);
  poll();
}());
