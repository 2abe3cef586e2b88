// Consent form helpers: select all, live count, search and "selected only" for long lists, and
// no double submit. The form works without this script (every box starts ticked).
(function () {
  "use strict";
  var form = document.querySelector("[data-consent-form]");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="premise"][type="checkbox"]'));
  var selectAll = form.querySelector("[data-select-all]");
  var count = form.querySelector("[data-selected-count]");
  var tools = form.querySelector("[data-selection-tools]");
  var search = form.querySelector("[data-premise-search]");
  var onlySelected = form.querySelector("[data-hide-unselected]");

  function refresh() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    if (count) { count.textContent = String(ticked); }
    if (selectAll) { selectAll.checked = ticked === boxes.length; selectAll.indeterminate = ticked > 0 && ticked < boxes.length; }
    var needle = search ? search.value.trim().toLowerCase() : "";
    boxes.forEach(function (box) {
      var row = box.closest("[data-premise]");
      var matches = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
      row.hidden = !matches || (onlySelected && onlySelected.checked && !box.checked);
    });
  }
  if (tools) { tools.hidden = false; }
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      boxes.forEach(function (box) {
        if (!box.closest("[data-premise]").hidden) { box.checked = selectAll.checked; }
      });
      refresh();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", refresh); });
  if (search) { search.addEventListener("input", refresh); }
  if (onlySelected) { onlySelected.addEventListener("change", refresh); }
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var pressed = event.submitter;
    setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
        if (button !== pressed) { button.disabled = true; }
      });
    }, 0);
  });
  refresh();
}());
