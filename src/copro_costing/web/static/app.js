// The costing form, better with JavaScript: the server prices what is typed (POST /preview)
// and this script puts the totals and problems it rendered in place. No arithmetic on
// prices happens here. Rows are added and removed in the page; without this script every
// button submits the form and the server does the same.
(function () {
  "use strict";
  var form = document.getElementById("costing-form");
  if (!form || !window.fetch) { return; }
  var totals = document.getElementById("totals");
  var totalsStatus = document.getElementById("totals-status");
  var problemStatus = document.getElementById("problem-status");
  var summaryArea = document.getElementById("summary-area");
  var timer = null, sequence = 0, showAll = false, lastCount = -1;

  function schedule() { clearTimeout(timer); timer = setTimeout(preview, 250); }

  function touch(el) {
    var group = el.closest("fieldset[data-years][id]");
    (group || el).setAttribute("data-touched", "");
    var row = el.closest("fieldset[data-row]");
    if (row) { row.setAttribute("data-touched", ""); }
  }

  function clearErrors() {
    form.querySelectorAll(".error").forEach(function (p) {
      p.hidden = true; var t = p.querySelector(".text"); if (t) { t.textContent = ""; }
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (c) { c.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".has-error").forEach(function (c) { c.classList.remove("has-error"); });
  }

  function showError(id, message) {
    var control = document.getElementById(id), note = document.getElementById(id + "-error");
    if (!control || !note) { return false; }
    if (!showAll && !control.hasAttribute("data-touched")) { return false; }
    var text = note.querySelector(".text");
    text.textContent = text.textContent ? text.textContent + " " + message : message;
    note.hidden = false;
    if (control.matches("input, select")) { control.setAttribute("aria-invalid", "true"); }
    (control.closest(".field") || control).classList.add("has-error");
    return true;
  }

  function syncYears(years) {
    document.querySelectorAll("[data-year]").forEach(function (item) {
      var off = Number(item.getAttribute("data-year")) > years;
      item.hidden = off;
      item.querySelectorAll("input").forEach(function (i) { i.disabled = off; });
    });
    document.querySelectorAll("template").forEach(function (t) {
      t.content.querySelectorAll("[data-year]").forEach(function (item) {
        var off = Number(item.getAttribute("data-year")) > years;
        item.hidden = off;
        item.querySelectorAll("input").forEach(function (i) { i.disabled = off; });
      });
    });
  }

  function syncHeadings(headings) {
    document.querySelectorAll('select[data-source="headings"]').forEach(function (select) {
      var value = select.value;
      while (select.options.length > 1) { select.remove(1); }
      headings.forEach(function (h) { select.add(new Option(h[1], h[0], false, h[0] === value)); });
      if (value && select.value !== value) { select.add(new Option(value + " (not a heading of this funder)", value, false, true)); }
    });
  }

  function preview(focusSummary) {
    var mine = ++sequence;
    var body = new URLSearchParams(new FormData(form));
    return fetch(form.getAttribute("data-preview"), { method: "POST", body: body, credentials: "same-origin",
                               headers: { "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        if (mine !== sequence) { return; }  // a newer preview is on its way
        syncYears(data.years);
        syncHeadings(data.headings);
        totals.innerHTML = data.totals;  // rendered (and escaped) by the server
        clearErrors();
        var shown = 0;
        data.problems.forEach(function (p) { if (p.control && showError(p.control, p.message)) { shown++; } });
        if (showAll) { summaryArea.innerHTML = data.summary; } else if (data.ok) { summaryArea.innerHTML = ""; }
        var price = document.getElementById("total-price");
        totalsStatus.textContent = price ? price.textContent.replace(/\s+/g, " ").trim() : "";
        var count = data.problems.length;
        if (count !== lastCount) {
          problemStatus.textContent = count ? count + (count === 1 ? " problem" : " problems") + " to fix" : "No problems";
          lastCount = count;
        }
        if (focusSummary && !data.ok) {
          var s = document.getElementById("problem-summary"); if (s) { s.focus(); }
        }
      })
      .catch(function () { totalsStatus.textContent = "Could not reach the calculator: press Update the totals."; });
  }

  function renumber(section) {
    var rows = form.querySelectorAll('[data-rows="' + section + '"] > fieldset[data-row]');
    var pattern = new RegExp("^(" + section + "[.-])\\d+(?=[.-])");
    rows.forEach(function (row, k) {
      [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (el) {
        ["id", "name", "for"].forEach(function (a) {
          var v = el.getAttribute(a); if (v) { el.setAttribute(a, v.replace(pattern, "$1" + k)); }
        });
        var d = el.getAttribute("aria-describedby");
        if (d) { el.setAttribute("aria-describedby", d.split(" ").map(function (t) { return t.replace(pattern, "$1" + k); }).join(" ")); }
        if (el.hasAttribute("data-remove")) {
          el.value = "remove-" + section + "-" + k;
          el.textContent = "Remove " + row.getAttribute("data-noun").toLowerCase() + " " + (k + 1);
        }
      });
      row.querySelector("legend").textContent = row.getAttribute("data-noun") + " " + (k + 1);
    });
  }

  form.addEventListener("input", function (e) { touch(e.target); schedule(); });
  form.addEventListener("change", function (e) { touch(e.target); schedule(); });

  form.addEventListener("click", function (e) {
    var button = e.target.closest("button");
    if (!button) { return; }
    if (button.hasAttribute("data-add")) {
      e.preventDefault();
      var section = button.getAttribute("data-add");
      var rows = form.querySelector('[data-rows="' + section + '"]');
      var n = rows.querySelectorAll(":scope > fieldset[data-row]").length;
      var html = document.getElementById(section + "-template").innerHTML
        .replace(/__i__/g, String(n)).replace(/__n__/g, String(n + 1));
      rows.insertAdjacentHTML("beforeend", html);
      var added = rows.lastElementChild;
      added.querySelector("input, select").focus();
      return;
    }
    if (button.hasAttribute("data-remove")) {
      e.preventDefault();
      var row = button.closest("fieldset[data-row]");
      var section2 = row.getAttribute("data-row");
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(section2);
      var target = next ? next.querySelector("input, select") : form.querySelector('[data-add="' + section2 + '"]');
      target.focus();
      problemStatus.textContent = "Row removed";
      schedule();
      return;
    }
    if (button.value === "recalculate") {
      e.preventDefault();
      showAll = true;
      preview(true);
    }
  });
  form.addEventListener("submit", function (e) {
    var submitter = e.submitter;
    if (!submitter || submitter.value === "recalculate") { e.preventDefault(); showAll = true; preview(true); }
  });
  document.addEventListener("click", function (e) {  // buttons outside the form (form="costing-form") show every problem
    var b = e.target.closest("button[form]"); if (b) { showAll = true; }
  });
  if (form.querySelector('[aria-invalid="true"]')) { showAll = true; }
  var summary = document.getElementById("problem-summary");  // a submit came back with problems: start there
  if (summary) { summary.focus(); }
})();
