// A hybrid OAuth answer (code, id_token, state) arrives in the URL fragment, which the
// browser never sends to the server: post its parameters to the callback as a form, once.
(function () {
  "use strict";
  var form = document.getElementById("bank-answer");
  var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var any = false;
  params.forEach(function (value, name) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
    any = true;
  });
  // the fragment (it carries a code) is not kept in the history entry
  window.history.replaceState(null, "", window.location.pathname);
  if (!any) {
    document.getElementById("bank-answer-wait").hidden = true;
    document.getElementById("bank-answer-none").hidden = false;
    return;
  }
  form.submit();
})();
