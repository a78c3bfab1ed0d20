// The diary link carries its code after "#" (never sent to the server): copy it into the form and open the diary.
// Without JavaScript the patient types the code printed on the sheet.
(function () {
  "use strict";
  var form = document.querySelector("[data-diary-code-form]");
  var code = window.location.hash.slice(1);
  if (!form || !code || form.querySelector(".error-message")) { return; }
  form.querySelector("input[name='code']").value = decodeURIComponent(code);
  history.replaceState(null, "", window.location.pathname);  // the code leaves the address bar and history
  form.submit();
})();
