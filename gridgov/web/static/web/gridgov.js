// gridgov: small progressive enhancements. Every page works without this file.

// Tree expanders: the first click loads the children through htmx (hx-trigger="click once");
// later clicks only show or hide what was loaded.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.expander");
  if (!button) return;
  var target = document.getElementById(button.getAttribute("aria-controls"));
  if (!target) return;
  var expanded = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", expanded ? "false" : "true");
  if (button.dataset.loaded) target.hidden = expanded;
  button.dataset.loaded = "1";
});
