// The print button of the journal codes' slips (the CSP forbids inline scripts).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("slips-print");
  if (button) button.addEventListener("click", function () { window.print(); });
});
