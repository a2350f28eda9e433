// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  navigator.clipboard.writeText(field.value).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
// While the analysis runs, look again every few seconds, but never over
// text someone has started typing.
let typed = false;
document.addEventListener("input", () => { typed = true; });
function reloadWhenIdle() {
  if (typed) setTimeout(reloadWhenIdle, 3000);
  else window.location.reload();
}
if (document.querySelector(".analysis-pending")) setTimeout(reloadWhenIdle, 3000);
