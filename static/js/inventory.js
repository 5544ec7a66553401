// Stock pages. A destructive action (reverse a movement, call back a transfer, cancel a count) is a form with
// data-stock-confirm="question": it is sent only when the user confirms.
//
// Receiving goods with a handheld scanner (it types the EAN, then Enter): after each answer the cursor goes to
// the field the server marked with autofocus (the quantity once an EAN has found its item, the EAN after a line
// was added); Enter in the quantity of a perishable item moves on to its expiry date instead of submitting.
(function () {
  "use strict";

  function focusMarked(root) {
    const field = root.querySelector("[autofocus]");
    if (field && document.activeElement !== field) {
      field.focus();
      if (typeof field.select === "function" && field.type !== "date") field.select();
    }
  }

  document.addEventListener("keydown", function (event) {
    const field = event.target;
    if (event.key !== "Enter" || !(field instanceof HTMLInputElement) || field.id !== "f-quantity") return;
    const form = field.closest("form.receive-line");
    const expiry = form && form.querySelector("#f-expiry");
    if (form && form.hasAttribute("data-perishable") && expiry && !expiry.value && field.value.trim()) {
      event.preventDefault();
      expiry.focus();
    }
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-stock-confirm")) return;
    if (!window.confirm(form.getAttribute("data-stock-confirm"))) event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", function () {
    const receipt = document.getElementById("receipt");  // the only part of the page htmx swaps
    if (receipt) focusMarked(receipt);
  });
})();
