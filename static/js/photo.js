// Photo page: toggle region outlines and mesh points (checkboxes: mouse, touch, keyboard).
for (const box of document.querySelectorAll(".region-toggle")) {
  box.addEventListener("change", () => {
    for (const shape of document.querySelectorAll(`.region[data-region="${box.dataset.region}"]`)) {
      shape.classList.toggle("hidden", !box.checked);
    }
  });
}
const meshToggle = document.getElementById("mesh-toggle");
if (meshToggle) {
  meshToggle.addEventListener("change", () => {
    document.getElementById("mesh").classList.toggle("hidden", !meshToggle.checked);
  });
}
const wholeToggle = document.getElementById("whole-toggle");
if (wholeToggle) {
  const stage = document.getElementById("stage");
  wholeToggle.addEventListener("change", () => {
    stage.setAttribute("viewBox", wholeToggle.checked ? stage.dataset.full : stage.dataset.face);
  });
}
const linesToggle = document.getElementById("lines-toggle");
if (linesToggle) {
  linesToggle.addEventListener("change", () => {
    document.getElementById("line-layer").classList.toggle("hidden", !linesToggle.checked);
  });
}
