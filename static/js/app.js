// Small enhancements only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary (or a notice) so screen readers announce it.
  var target = document.querySelector("[data-autofocus]");
  if (target) { target.focus(); }

  // Error summary links: focus the field, not just scroll to it.
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) { return; }
      event.preventDefault();
      var question = input.closest(".question") || input;
      question.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  });

  // Live branching: show follow-up questions as soon as the answer that asks for them is chosen.
  var form = document.querySelector("[data-step-form]");
  if (form) {
    var asked = form.querySelector("input[name='asked']");
    var conditional = form.querySelectorAll("[data-shown-when]");
    var update = function () {
      conditional.forEach(function (block) {
        var codes = block.getAttribute("data-shown-codes").split(" ");
        var controller = "input[name='" + block.getAttribute("data-shown-when") + "']";
        if (!form.querySelector(controller)) { return; }  // asked on another step: the server decided
        var chosen = form.querySelectorAll(controller + ":checked");
        var show = Array.prototype.some.call(chosen, function (input) { return codes.indexOf(input.value) !== -1; });
        block.hidden = !show;
        var ids = asked.value ? asked.value.split(" ") : [];
        var id = block.getAttribute("data-link-id");
        var i = ids.indexOf(id);
        if (show && i === -1) { ids.push(id); }
        if (!show && i !== -1) { ids.splice(i, 1); }
        asked.value = ids.join(" ");
      });
    };
    form.addEventListener("change", update);
    update();  // answers chosen before this script ran, or restored by the browser, count too

    // Save answers as they are chosen, so a reload or a link away loses nothing. Continue still checks them.
    var note = document.querySelector("[data-saved-note]");
    var timer = null;
    var save = function () {
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("data-autosave"));
      request.onload = function () {
        if (request.status === 204 && note && note.getAttribute("data-saved-text")) {
          note.textContent = note.getAttribute("data-saved-text");
        }
      };
      request.send(new FormData(form));
    };
    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 400);
    });
    form.addEventListener("submit", function () { window.clearTimeout(timer); });
  }

  // "None of these" cannot be combined with other answers: untick the others (the server checks too).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked) { return; }
    var group = document.querySelectorAll("input[type='checkbox'][name='" + box.name + "']");
    group.forEach(function (other) {
      if (other === box) { return; }
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) { other.checked = false; }
    });
  });

  // Character counts: say how many characters are left, and when there are too many (the server checks too).
  document.querySelectorAll("[data-character-count]").forEach(function (question) {
    var limit = parseInt(question.getAttribute("data-character-count"), 10);
    var field = question.querySelector("textarea, input");
    var count = document.createElement("p");
    count.className = "hint character-count";
    count.id = field.id + "-count";
    count.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", count);
    field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + count.id).trim());
    var words = document.body.dataset;  // in the page's language
    var show = function () {
      var left = limit - field.value.length;
      var n = Math.abs(left).toLocaleString(document.documentElement.lang || "en");
      var text = left >= 0 ? (left === 1 ? words.characterLeft : words.charactersLeft)
        : (left === -1 ? words.characterOver : words.charactersOver);
      count.textContent = text.replace("{n}", n);
      count.classList.toggle("character-count-over", left < 0);
    };
    field.addEventListener("input", show);
    show();
  });

  // Folded sections open for printing, so that the printout is complete.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details[data-print-open]").forEach(function (details) { details.open = true; });
  });

  // The emailed "finish later" link carries its code after "#", which never reaches the server: fill it in.
  var codeField = document.querySelector("[data-code-from-link]");
  if (codeField && window.location.hash.length > 1 && !codeField.value) {
    codeField.value = decodeURIComponent(window.location.hash.slice(1));
    history.replaceState(null, "", window.location.pathname);  // and out of the address bar and history
  }

  // The language switch takes along what was typed on this page but not yet sent, so nothing is lost.
  // Choices made on a page the server does not keep for the switch (the pain diary's forms) are kept in this
  // tab while the page reloads in the other language, and put back once; nothing leaves the browser.
  var KEPT = "kept-before-language-switch";
  var localForms = document.querySelectorAll("form[data-keep-locally]");
  try {
    var stored = JSON.parse(sessionStorage.getItem(KEPT) || "null");
    sessionStorage.removeItem(KEPT);
    var kept = stored && stored.page === location.pathname ? stored.forms : null;  // only on the page switched to
    if (kept) {
      localForms.forEach(function (form) {
        (kept[form.getAttribute("action")] || []).forEach(function (pair) {
          form.querySelectorAll("[name]").forEach(function (field) {
            if (field.name !== pair[0] || field.name === "csrf_token") { return; }
            if (field.type === "radio" || field.type === "checkbox") {
              if (field.value === pair[1]) { field.checked = true; }
            } else if (field.type !== "hidden") {
              field.value = pair[1];
            }
          });
        });
      });
    }
  } catch (ignored) { /* storage refused (private mode): the switch still works, choices are chosen again */ }

  var switcher = document.querySelector("[data-language-switch]");
  if (switcher && localForms.length) {
    switcher.addEventListener("submit", function () {
      var keep = {};
      localForms.forEach(function (form) {
        var pairs = [];
        new FormData(form).forEach(function (value, name) {
          if (name !== "csrf_token" && typeof value === "string") { pairs.push([name, value]); }
        });
        keep[form.getAttribute("action")] = pairs;
      });
      var next = switcher.querySelector("input[name=next]");
      var page = next ? next.value.split("?")[0] : location.pathname;
      try { sessionStorage.setItem(KEPT, JSON.stringify({page: page, forms: keep})); } catch (ignored) { /* see above */ }
    });
  }
  var pageForm = document.querySelector("[data-keep-on-language]");
  if (switcher && pageForm) {
    switcher.addEventListener("submit", function () {
      new FormData(pageForm).forEach(function (value, name) {
        if (name === "csrf_token" || typeof value !== "string") { return; }
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        switcher.appendChild(input);
      });
    });
  }

  // Print button on the summary.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // One click sends a request once.
  document.querySelectorAll("[data-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
})();
