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

// --- Nothing typed is lost: autosave and the unsaved-text warning ---------------------------------------
// <form data-warn-unsaved>: typing marks the form dirty; leaving the page while a form is dirty asks first
// (the browser's own "Leave site?" question), unless the form is being submitted or autosave has caught up.
// data-warn-unsaved="dirty": the page came back from a failed submit, so what it shows is not saved yet.
// <form data-autosave="<url>">: a couple of seconds after typing stops, the form (with its CSRF token) is
// posted to that URL, which keeps the draft; [data-autosave-status] inside it says "Saved 10:42".
(function () {
  const AUTOSAVE_DELAY_MS = 2000;
  const state = new WeakMap();  // form → {edits, saved, timer}

  function stateOf(form) {
    let found = state.get(form);
    if (!found) {
      found = { edits: 0, saved: 0, timer: null };
      state.set(form, found);
    }
    return found;
  }

  function isDirty(form) {
    const found = state.get(form);
    return found ? found.edits !== found.saved : form.dataset.warnUnsaved === "dirty";
  }

  function hhmm(date) {
    return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
  }

  function say(form, text) {
    const status = form.querySelector("[data-autosave-status]");
    if (status) status.textContent = text;
  }

  function autosave(form) {
    const found = stateOf(form);
    found.timer = null;
    const edits = found.edits;
    if (edits === found.saved) return;
    fetch(form.dataset.autosave, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" },
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      found.saved = Math.max(found.saved, edits);  // typed again meanwhile: still dirty, saved next time
      say(form, "Saved " + hhmm(new Date()));
    }).catch(function () {
      say(form, "Not saved automatically: save the draft before you leave.");
    });
  }

  function edited(event) {
    const form = event.target && event.target.form;
    if (!form || !(form.hasAttribute("data-warn-unsaved") || form.hasAttribute("data-autosave"))) return;
    const found = stateOf(form);
    if (found.edits === 0 && form.dataset.warnUnsaved === "dirty") found.saved = -1;  // unsaved from the start
    found.edits += 1;
    if (form.dataset.autosave) {
      clearTimeout(found.timer);
      found.timer = setTimeout(function () { autosave(form); }, AUTOSAVE_DELAY_MS);
    }
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);

  // Submitting saves the form the ordinary way: no question, and no autosave racing it. (Listening on the
  // window runs after the document's data-confirm handler, so a cancelled confirm keeps the form dirty.)
  window.addEventListener("submit", function (event) {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    const found = stateOf(form);
    clearTimeout(found.timer);
    found.saved = found.edits;
    if (form.dataset.warnUnsaved === "dirty") form.dataset.warnUnsaved = "";
  });

  window.addEventListener("beforeunload", function (event) {
    const dirty = Array.from(document.querySelectorAll("form[data-warn-unsaved]")).some(isDirty);
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers ask only when this is set
  });
})();
