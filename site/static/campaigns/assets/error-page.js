// Says what went wrong, from the form backend's error code (?error=&field=). Only the page's own
// sentences are shown: the query string is anyone's to write, so its `message` is never put on
// the brand's page, and an unknown code gets the page's general sentence.
(function () {
  "use strict";
  var TEXT = {
    invalid_email: "That email address does not look right. Please check it and try again.",
    missing_email: "Please enter your email address.",
    consent_required: "Please tick the box to say we may email you.",
    invalid_name: "Please use letters, spaces and punctuation only in your name.",
    turnstile_required: "The security check did not finish. It needs JavaScript: please turn it on and try again.",
    turnstile_failed: "The security check expired. Please go back, reload the page and try again.",
    unavailable: "Sign-up is busy right now. Please try again in a minute.",
    body_too_large: "The form was too long. Please shorten your entries.",
  };
  var code = new URLSearchParams(window.location.search).get("error");
  var target = document.getElementById("problem");
  if (code && target && Object.prototype.hasOwnProperty.call(TEXT, code)) {
    target.textContent = TEXT[code];
    target.setAttribute("data-error", code);
  }
})();
