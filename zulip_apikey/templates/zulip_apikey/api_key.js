// Reveal the key without leaving the page, through POST /json/fetch_api_key (as Zulip's
// "Manage your API key" does). Without JavaScript the form posts to the page itself instead.
(function () {
  "use strict";
  var form = document.getElementById("reveal-form");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var output = document.getElementById("api-key");
  var error = document.getElementById("reveal-error");
  var button = document.getElementById("reveal-button");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var password = form.elements.namedItem("password");
    var body = new URLSearchParams();
    if (password) {
      body.set("password", password.value);
    }
    error.textContent = "";
    button.disabled = true;
    fetch(form.dataset.fetchUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.namedItem("csrfmiddlewaretoken").value },
      body: body,
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (data.result === "success") {
          output.textContent = data.api_key;
          output.hidden = false;
          if (password) {
            password.value = "";
          }
        } else {
          output.hidden = true;
          output.textContent = "";
          error.textContent = data.msg;
          if (password) {
            password.focus();
          }
        }
      })
      .catch(function () {
        error.textContent = form.dataset.networkError;
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
