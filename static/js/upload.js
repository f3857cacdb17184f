// Upload page: drag-and-drop onto the file input, and each chosen file listed with its own
// expression and view (named by the file's place in the list, as the server reads them),
// set from the "all photos" choices and changeable one by one.
const zone = document.getElementById("dropzone");
const input = document.getElementById("photos");
const list = document.getElementById("file-list");
const row = document.getElementById("file-row");
const batch = { expression: document.getElementById("expression"), view: document.getElementById("view") };

function showFiles() {
  list.replaceChildren(...Array.from(input.files, (file, index) => {
    const item = row.content.firstElementChild.cloneNode(true);
    item.querySelector(".file-name").textContent = `${file.name} (${(file.size / 1e6).toFixed(1)} MB)`;
    for (const select of item.querySelectorAll("select")) {
      select.name = `${select.dataset.field}-${index}`;
      select.value = batch[select.dataset.field].value;
    }
    return item;
  }));
}

for (const [field, select] of Object.entries(batch)) {
  select.addEventListener("change", () => {
    for (const own of list.querySelectorAll(`select[data-field=${field}]`)) own.value = select.value;
  });
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
