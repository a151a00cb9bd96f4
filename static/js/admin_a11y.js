/* Names for the admin's controls that Django and its select2 leave unnamed (loaded by
   templates/admin/base_site.html; checked by escalation_matrix/tests/test_accessibility_browser.py):
   - a tabular inline's fields (the roster's role, a row's "Delete?") are named after their column's heading;
   - an autocomplete (select2) box, and its type-to-search field, after the field's label;
   - a multiple autocomplete's list of choices says it is a list (select2 puts its clear button in it).
   select2 redraws its boxes on every change, and inline rows are added: a MutationObserver names them again. */
(function () {
  "use strict";

  function words(el) {
    return el ? el.textContent.replace(/\s+/g, " ").replace(/[:*?\s]+$/, "").trim() : "";
  }

  function columnHeading(cell) {
    var table = cell.closest("table");
    if (!table || !table.tHead || !table.tHead.rows.length) return "";
    var index = Array.prototype.indexOf.call(cell.parentElement.children, cell);
    var heading = table.tHead.rows[0].cells[index];
    return words(heading) || (cell.classList.contains("delete") ? "Delete" : "");
  }

  function nameOf(field) {
    if (field.labels && field.labels.length && words(field.labels[0])) return words(field.labels[0]);
    var cell = field.closest("td");
    if (!cell) return "";
    var name = columnHeading(cell);
    var row = cell.closest("tr");
    var number = row && row.id ? row.id.replace(/^.*-(\d+)$/, "$1") : "";
    return name && /^\d+$/.test(number) ? name + " (row " + (Number(number) + 1) + ")" : name;
  }

  function setLabel(el, name) {
    if (el && name && !el.getAttribute("aria-label")) el.setAttribute("aria-label", name);
  }

  function nameAll() {
    document.querySelectorAll(".tabular td input:not([type=hidden]), .tabular td select, .tabular td textarea")
      .forEach(function (field) {
        if (!(field.labels && field.labels.length)) setLabel(field, nameOf(field));
      });
    document.querySelectorAll("select.select2-hidden-accessible").forEach(function (select) {
      var box = select.nextElementSibling;
      if (!box || !box.classList.contains("select2")) return;
      var name = nameOf(select);
      setLabel(box.querySelector(".select2-selection[role=combobox]"), name);
      setLabel(box.querySelector(".select2-selection__rendered[role=textbox]"), name);
      setLabel(box.querySelector(".select2-search__field"), name);
      var list = box.querySelector("ul.select2-selection__rendered");
      if (list && list.getAttribute("role") !== "list") list.setAttribute("role", "list");
    });
  }

  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; nameAll(); });
  }

  function start() {
    nameAll();
    new MutationObserver(soon).observe(document.body, {childList: true, subtree: true});
  }

  // After the admin's own scripts: select2 draws its boxes when the document is ready.
  if (document.readyState === "complete") start(); else window.addEventListener("load", start);
})();
