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

// The main menu stays one row when it fits, beside the name or on a row of its own; when it would still wrap (many
// entries on a tablet), it collapses behind the Menu button (aria-expanded; Escape closes it and returns to the
// button). Without JavaScript it just wraps.
const menuToggle = document.querySelector(".menu-toggle");
const topbar = document.querySelector(".topbar");
const mainnav = document.getElementById("mainnav");
function setMenuOpen(open) {
  if (!menuToggle || !topbar) return;
  menuToggle.setAttribute("aria-expanded", String(open));
  topbar.classList.toggle("menu-open", open);
}
function menuWraps() {
  const links = Array.from(mainnav.querySelectorAll("a"));
  return links.some((link) => link.offsetTop !== links[0].offsetTop);
}
function fitMenu() {
  if (!menuToggle || !topbar || !mainnav) return;
  // Beside the name first; then on a row of its own (a long menu on a wide screen); only then the button.
  topbar.classList.remove("menu-collapsed", "menu-row");
  menuToggle.hidden = true;
  if (menuWraps()) topbar.classList.add("menu-row");
  const wraps = menuWraps();
  topbar.classList.toggle("menu-collapsed", wraps);
  menuToggle.hidden = !wraps;
  if (!wraps) setMenuOpen(false);
}
if (menuToggle && mainnav) {
  menuToggle.addEventListener("click", () => setMenuOpen(menuToggle.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menuToggle.getAttribute("aria-expanded") === "true") {
      setMenuOpen(false);
      menuToggle.focus();
    }
  });
  fitMenu();
  let resizing = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(fitMenu);
  });
}

// A table that scrolls sideways on a narrow screen (.table is a scroll box below 800 px) can be focused, so that
// it scrolls from the keyboard too; checked again on resize and after htmx swaps in new content.
function focusableScrollers() {
  for (const table of document.querySelectorAll("table.table")) {
    const scrolls = table.scrollWidth > table.clientWidth + 1;
    if (scrolls && !table.hasAttribute("tabindex")) {
      table.tabIndex = 0;
      table.dataset.scrollFocus = "";
    } else if (!scrolls && "scrollFocus" in table.dataset) {
      table.removeAttribute("tabindex");
      delete table.dataset.scrollFocus;
    }
  }
}
focusableScrollers();
window.addEventListener("resize", () => requestAnimationFrame(focusableScrollers));
document.addEventListener("htmx:afterSettle", focusableScrollers);
