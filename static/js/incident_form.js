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
