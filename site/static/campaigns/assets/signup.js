// Progressive enhancement of the sign-up form: the same fields, sent with fetch, the answer shown
// on the page. Without JavaScript the form still posts and the backend answers with 303 to the
// thank-you or error page. The body is FormData (multipart/form-data) and the only header is
// Accept: both CORS-safelisted, so the browser sends no preflight.
(function () {
  "use strict";
  var form = document.getElementById("signup");
  if (!form || !window.fetch || !window.FormData) return;
  var status = document.getElementById("signup-status");
  var button = form.querySelector("button[type=submit]");

  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (el) {
      el.textContent = "";
      el.hidden = true;
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
  }

  function showError(field, message) {
    var slot = field && window.CSS && form.querySelector('[data-error-for="' + CSS.escape(field) + '"]');
    var input = field && form.elements.namedItem(field);
    if (slot) {
      slot.textContent = message;
      slot.hidden = false;
      if (input && input.setAttribute) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", slot.id);
        input.focus();
      }
    } else {
      status.textContent = message;
    }
  }

  function resetTurnstile() {
    // A token is redeemed once; after a refusal the widget needs a fresh one.
    if (window.turnstile && typeof window.turnstile.reset === "function") window.turnstile.reset();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var fields = new FormData(form);
    fields.set("source", window.location.href);
    button.disabled = true;
    status.textContent = "Sending…";
    fetch(form.action, {
      method: "POST",
      body: fields,
      headers: { Accept: "application/json" },
      mode: "cors",
      credentials: "omit",
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () { return {}; })
          .then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (answer) {
        if (answer.status === 202) {
          form.reset();
          status.textContent = "Thanks, you're on the list. Your code arrives by email.";
          status.setAttribute("data-outcome", "accepted");
          return;
        }
        status.textContent = "";
        status.setAttribute("data-outcome", "refused");
        if (answer.status >= 500) {
          showError(null, "We could not take your sign-up just now. Please try again in a minute.");
        } else {
          showError(answer.body.field, answer.body.message || "Please check the form.");
        }
        resetTurnstile();
      })
      .catch(function () {
        status.textContent = "We could not reach the sign-up service. Please try again.";
        status.setAttribute("data-outcome", "unreachable");
        resetTurnstile();
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
