// Comparison page: the region outlines over both photos, on or off (the slider itself is
// before-after.js, shared with the portal and the public pages).
const outlineToggle = document.getElementById("outline-toggle");
outlineToggle.addEventListener("change", () => {
  document.body.classList.toggle("show-outlines", outlineToggle.checked);
});
