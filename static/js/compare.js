// Comparison page: a before/after divider moved by mouse, touch (pointer events)
// and keyboard (arrows, Page Up/Down, Home/End), plus view and outline toggles.
const slider = document.getElementById("slider");
const afterLayer = document.getElementById("after-layer");
const handle = document.getElementById("handle");

function setPosition(percent) {
  const value = Math.min(100, Math.max(0, percent));
  afterLayer.style.clipPath = `inset(0 0 0 ${value}%)`;
  handle.style.left = `${value}%`;
  handle.setAttribute("aria-valuenow", String(Math.round(value)));
  handle.setAttribute("aria-valuetext", `${Math.round(100 - value)} % after`);
  slider.dataset.position = String(Math.round(value));
}

function fromPointer(event) {
  const box = slider.getBoundingClientRect();
  setPosition(((event.clientX - box.left) / box.width) * 100);
}

slider.addEventListener("pointerdown", (event) => {
  slider.setPointerCapture(event.pointerId);
  fromPointer(event);
  handle.focus();
});
slider.addEventListener("pointermove", (event) => {
  if (slider.hasPointerCapture(event.pointerId)) fromPointer(event);
});

handle.addEventListener("keydown", (event) => {
  const now = Number(handle.getAttribute("aria-valuenow"));
  const steps = { ArrowLeft: -2, ArrowDown: -2, ArrowRight: 2, ArrowUp: 2, PageDown: -10, PageUp: 10 };
  if (event.key in steps) setPosition(now + steps[event.key] * (event.shiftKey ? 5 : 1));
  else if (event.key === "Home") setPosition(0);
  else if (event.key === "End") setPosition(100);
  else return;
  event.preventDefault();
});

for (const radio of document.querySelectorAll("input[name=view]")) {
  radio.addEventListener("change", () => {
    const side = radio.value === "side" && radio.checked;
    document.getElementById("side").classList.toggle("hidden", !side);
    slider.classList.toggle("hidden", side);
  });
}
const outlineToggle = document.getElementById("outline-toggle");
outlineToggle.addEventListener("change", () => {
  document.body.classList.toggle("show-outlines", outlineToggle.checked);
});
setPosition(50);
