// Narrow the matrix as you type: keep the rows whose text holds every word typed.
(function () {
  const input = document.getElementById("matrix-filter");
  if (!input) return;
  const rows = Array.from(document.querySelectorAll("#matrix-grid tbody tr[data-filter]"));
  const empty = document.getElementById("matrix-filter-empty");
  input.addEventListener("input", function () {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    rows.forEach(function (row) {
      const hit = words.every(function (word) { return row.dataset.filter.includes(word); });
      row.hidden = !hit;
      if (hit) shown += 1;
    });
    if (empty) empty.hidden = shown > 0;
  });
})();
