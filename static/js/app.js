// Przystań: small behaviours shared by every page. No inline scripts (CSP): pages load this file.
document.documentElement.classList.add("js");

// A <select data-autosubmit> submits its form when changed (the language switch).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});

// Failed htmx requests that are not swapped (403, 404, 500, network down) get a visible message.
function showError(message) {
  const box = document.getElementById("flashes");
  if (!box) return;
  const p = document.createElement("p");
  p.className = "flash flash-error";
  p.setAttribute("role", "alert");
  p.textContent = message;
  box.replaceChildren(p);
}
document.addEventListener("htmx:responseError", () => showError(document.body.dataset.errorMessage));
document.addEventListener("htmx:sendError", () => showError(document.body.dataset.offlineMessage));

// A button with data-print opens the browser's print dialog (print or save as PDF).
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.hasAttribute("data-print")) window.print();
});
