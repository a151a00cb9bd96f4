// The filing form's product-area type-ahead: typing narrows the select's options to those containing
// every word typed, and picks the only one left.
(function () {
  const input = document.getElementById("area-filter");
  const select = document.getElementById("id_product_area");
  if (!input || !select) return;
  input.addEventListener("input", function () {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = [];
    Array.from(select.options).forEach(function (option) {
      if (!option.value) return;  // the empty "pick one" line stays
      const text = (option.text + " " + option.value).toLowerCase();
      option.hidden = !words.every(function (word) { return text.includes(word); });
      if (!option.hidden) shown.push(option);
    });
    if (shown.length === 1 && select.value !== shown[0].value) {
      select.value = shown[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));  // the live preview follows
    }
  });
})();

// Filed while the live preview is still answering (an area just picked): wait for it, so the triage fields
// of the playbook it brings are on the page before the form goes. A required one still empty then gets the
// focus (marked * already) instead of the submit failing on a field the agent never saw.
(function () {
  const form = document.getElementById("filing-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    if (!form.classList.contains("htmx-request")) return;  // htmx's mark of a request in flight
    event.preventDefault();
    let done = false;
    function resume() {
      if (done) return;
      done = true;
      const empty = Array.from(form.querySelectorAll("#triage-fields [required]")).find(function (field) {
        return !field.value;
      });
      if (empty) empty.focus();
      else form.requestSubmit();
    }
    document.addEventListener("htmx:afterSettle", resume, { once: true });
    setTimeout(resume, 3000);  // no answer: submit anyway, the server explains what is missing
  });
})();
