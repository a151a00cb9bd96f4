// Live countdowns: every element with a data-due instant shows the time left, each second, and turns red
// once it has passed. Elements swapped in by htmx are picked up on the next tick.
(function () {
  function span(ms) {
    const total = Math.floor(ms / 1000);
    const days = Math.floor(total / 86400), hours = Math.floor(total % 86400 / 3600);
    const minutes = Math.floor(total % 3600 / 60), seconds = total % 60;
    if (days) return days + "d " + hours + "h";
    if (hours) return hours + "h " + minutes + "m";
    return minutes + "m " + String(seconds).padStart(2, "0") + "s";
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due);
      if (isNaN(due)) return;
      const left = due - now;
      el.textContent = left >= 0 ? "in " + span(left) : span(-left) + " overdue";
      el.classList.toggle("text-danger", left < 0);
      el.classList.toggle("overdue", left < 0);
    });
  }
  tick();
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSwap", tick);
})();
