// The before/after pair (templates/_before_after.html), the same on every page that shows one.
// The after photo lies over the before photo, clipped from the left edge to the divide: the range
// input moves the divide from the keyboard (arrows, Page Up/Down, Home/End) and for assistive
// technology; a finger or a mouse moves it anywhere on the photos (pointer events, a tap jumps
// there). "Show both" lays the photos side by side (one above the other on a phone); "Enlarge"
// opens both at full size in a dialog where they can be pinched, or tapped to full resolution.
// Without this script the page shows the photos side by side and "Enlarge" opens the after photo.

function setUp(figure) {
  const frame = figure.querySelector("[data-ba-frame]");
  const after = figure.querySelector("[data-ba-after]");
  const divide = figure.querySelector("[data-ba-divide]");
  const range = figure.querySelector("[data-ba-range]");
  const viewButton = figure.querySelector("[data-ba-view]");
  const dialog = figure.querySelector("[data-ba-dialog]");

  function setPosition(percent) {
    const value = Math.min(100, Math.max(0, percent));
    const shown = Math.round(value);
    after.style.clipPath = `inset(0 0 0 ${value}%)`;
    divide.style.left = `${value}%`;
    range.value = String(shown);
    range.setAttribute("aria-valuetext", `${shown} % before, ${100 - shown} % after`);
    figure.dataset.position = String(shown);
  }

  function fromPointer(event) {
    const box = frame.getBoundingClientRect();
    setPosition(((event.clientX - box.left) / box.width) * 100);
  }

  const sliding = () => figure.classList.contains("ba-slider");
  frame.addEventListener("pointerdown", (event) => {
    if (!sliding() || event.button > 0) return;
    frame.setPointerCapture(event.pointerId);
    fromPointer(event);
  });
  frame.addEventListener("pointermove", (event) => {
    if (sliding() && frame.hasPointerCapture(event.pointerId)) fromPointer(event);
  });
  range.addEventListener("input", () => setPosition(Number(range.value)));

  viewButton.addEventListener("click", () => {
    const both = figure.classList.toggle("ba-slider") === false;
    viewButton.setAttribute("aria-pressed", String(both));
    viewButton.textContent = both ? "Show the slider" : "Show both";
  });

  figure.querySelector("[data-ba-zoom]").addEventListener("click", (event) => {
    event.preventDefault();
    dialog.showModal();
  });
  const fullButton = dialog.querySelector("[data-ba-full]");
  function fullSize(on) {
    dialog.classList.toggle("ba-zoom-full", on);
    fullButton.setAttribute("aria-pressed", String(on));
    fullButton.textContent = on ? "Fit the screen" : "Full size";
  }
  fullButton.addEventListener("click", () => fullSize(!dialog.classList.contains("ba-zoom-full")));
  for (const image of dialog.querySelectorAll("[data-ba-zoom-image]")) {
    image.addEventListener("click", () => fullSize(!dialog.classList.contains("ba-zoom-full")));
  }
  dialog.querySelector("[data-ba-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => fullSize(false));

  figure.classList.add("ba-slider", "ba-ready");
  setPosition(Number(range.value));
}

for (const figure of document.querySelectorAll("[data-before-after]")) setUp(figure);
