// Behaviour every page may use, wired from data attributes: the Content-Security-Policy runs no inline
// handlers (onclick=, onsubmit=), so templates mark elements and this file listens.
(function () {
  // <button data-print>: prints the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  // <form data-confirm="Question?">: submits only once the question is answered OK.
  document.addEventListener("submit", function (event) {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
