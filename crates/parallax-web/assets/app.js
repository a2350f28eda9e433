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
// Question forms: show only the settings of the chosen kind of answer.
function showKindFields(select) {
  const form = select.form;
  for (const group of form.querySelectorAll(".kind-fields")) {
    group.hidden = !group.dataset.kinds.split(" ").includes(select.value);
  }
}
for (const select of document.querySelectorAll("select[data-kind-select]")) {
  showKindFields(select);
  select.addEventListener("change", () => showKindFields(select));
}
// Rankings: a list to drag, or to move with the arrow keys or buttons,
// written back into the textarea that the form sends (and that works alone
// without this script).
function rankingList(textarea) {
  const list = document.createElement("ol");
  list.className = "rank-list";
  list.setAttribute("aria-label", `${textarea.getAttribute("aria-label") || "Ranking"}: drag, or focus an item and use the arrow keys`);
  const write = () => {
    textarea.value = [...list.children].map((li) => li.dataset.value).join("\n");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const move = (li, step) => {
    const other = step < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!other) return;
    if (step < 0) list.insertBefore(li, other); else list.insertBefore(other, li);
    write();
    li.focus();
  };
  const button = (label, text, step, li) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary small";
    b.textContent = text;
    b.setAttribute("aria-label", `${label} ${li.dataset.value}`);
    b.addEventListener("click", () => move(li, step));
    return b;
  };
  for (const value of textarea.value.split("\n").map((v) => v.trim()).filter(Boolean)) {
    const li = document.createElement("li");
    li.dataset.value = value;
    li.tabIndex = 0;
    li.draggable = true;
    const name = document.createElement("span");
    name.textContent = value;
    li.append(name, button("Move up", "↑", -1, li), button("Move down", "↓", 1, li));
    li.addEventListener("keydown", (event) => {
      if (event.key === "ArrowUp") { event.preventDefault(); move(li, -1); }
      if (event.key === "ArrowDown") { event.preventDefault(); move(li, 1); }
    });
    li.addEventListener("dragstart", () => li.classList.add("dragging"));
    li.addEventListener("dragend", () => { li.classList.remove("dragging"); write(); });
    list.append(li);
  }
  list.addEventListener("dragover", (event) => {
    event.preventDefault();
    const dragging = list.querySelector(".dragging");
    if (!dragging) return;
    const after = [...list.children].find((li) => li !== dragging &&
      event.clientY < li.getBoundingClientRect().top + li.getBoundingClientRect().height / 2);
    list.insertBefore(dragging, after || null);
  });
  textarea.hidden = true;
  textarea.before(list);
}
for (const textarea of document.querySelectorAll("textarea[data-ranking]")) rankingList(textarea);
