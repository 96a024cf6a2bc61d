// Shows the problem the form backend named (?error=&field=&message=), as text, never as HTML.
(function () {
  "use strict";
  var query = new URLSearchParams(window.location.search);
  var message = query.get("message");
  var target = document.getElementById("problem");
  if (message && target) {
    target.textContent = message;
    target.setAttribute("data-error", query.get("error") || "");
  }
})();
