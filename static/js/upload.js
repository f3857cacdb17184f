// Upload page: drag-and-drop onto the file input, with the chosen files listed.
const zone = document.getElementById("dropzone");
const input = document.getElementById("photos");
const list = document.getElementById("file-list");

function showFiles() {
  list.replaceChildren(...Array.from(input.files, (file) => {
    const item = document.createElement("li");
    item.textContent = `${file.name} (${(file.size / 1e6).toFixed(1)} MB)`;
    return item;
  }));
}

input.addEventListener("change", showFiles);
for (const type of ["dragenter", "dragover"]) {
  zone.addEventListener(type, (event) => { event.preventDefault(); zone.classList.add("over"); });
}
for (const type of ["dragleave", "drop"]) {
  zone.addEventListener(type, () => zone.classList.remove("over"));
}
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  const transfer = new DataTransfer();
  for (const file of event.dataTransfer.files) transfer.items.add(file);
  input.files = transfer.files;
  showFiles();
});
document.getElementById("upload-form").addEventListener("submit", () => {
  const button = document.getElementById("upload-button");
  button.disabled = true;
  button.textContent = "Uploading and analysing…";
});
