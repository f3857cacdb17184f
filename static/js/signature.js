// Signature pad: draw with finger, pen or mouse (pointer events); the PNG goes
// into a hidden field on submit, only if something was drawn.
const canvas = document.getElementById("signature-pad");
const field = document.getElementById("signature");
const context = canvas.getContext("2d");
let drawing = false;
let drawn = false;

function point(event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
}

context.lineWidth = 2.5;
context.lineCap = "round";
context.strokeStyle = "#1d2530";
canvas.addEventListener("pointerdown", (event) => {
  canvas.setPointerCapture(event.pointerId);
  drawing = true;
  context.beginPath();
  context.moveTo(...point(event));
});
canvas.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  context.lineTo(...point(event));
  context.stroke();
  drawn = true;
});
canvas.addEventListener("pointerup", () => { drawing = false; });
document.getElementById("signature-clear").addEventListener("click", () => {
  context.clearRect(0, 0, canvas.width, canvas.height);
  drawn = false;
});
canvas.closest("form").addEventListener("submit", () => {
  field.value = drawn ? canvas.toDataURL("image/png") : "";
});
