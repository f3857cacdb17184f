// Copy buttons: <button data-copy="ID"> copies the value of the input #ID and says so in
// [data-copy-status="ID"]. The clipboard API needs a secure context (HTTPS or localhost);
// elsewhere the text is selected so that the person can copy it themselves.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const input = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  button.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = "Copied.";
    } catch {
      status.textContent = "Selected: copy it with your keyboard or menu.";
    }
  });
}
