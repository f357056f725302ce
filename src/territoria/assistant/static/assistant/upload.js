// The files of a chosen folder keep their path inside it ("rh/conges.docx"): browsers send only
// the file name, so the paths travel in the hidden field folder_paths, in the same order.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.hasAttribute("webkitdirectory") || !input.form) return;
  const paths = input.form.querySelector("input[name=folder_paths]");
  if (paths) paths.value = JSON.stringify(Array.from(input.files, (file) => file.webkitRelativePath || file.name));
});

// A folder larger than one request may carry (the form's data-max-files and data-max-bytes,
// from the server's limits) is sent in several requests, one after the other; the page then
// reloads with the messages of every part. Without JavaScript, the server says to split it.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.maxFiles) return;
  const maxFiles = Number(form.dataset.maxFiles);
  const maxBytes = Number(form.dataset.maxBytes);
  const folderInput = form.querySelector("input[name=folder]");
  const filesInput = form.querySelector("input[name=files]");
  const items = [
    ...Array.from(folderInput?.files || [], (file) => ({ field: "folder", file, path: file.webkitRelativePath || file.name })),
    ...Array.from(filesInput?.files || [], (file) => ({ field: "files", file })),
  ];
  if (items.length <= maxFiles && items.reduce((total, item) => total + item.file.size, 0) <= maxBytes) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  const parts = [];
  let part = [], bytes = 0;
  for (const item of items) {
    if (part.length && (part.length >= maxFiles || bytes + item.file.size > maxBytes)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(item);
    bytes += item.file.size;
  }
  if (part.length) parts.push(part);
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  for (const [index, items] of parts.entries()) {
    if (button) button.textContent = `Envoi ${index + 1} / ${parts.length}…`;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token);
    const paths = [];
    for (const item of items) {
      data.append(item.field, item.file);
      if (item.field === "folder") paths.push(item.path);
    }
    data.append("folder_paths", JSON.stringify(paths));
    // Not following the redirect: the page shown once all parts are sent keeps their messages.
    await fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin", redirect: "manual" });
  }
  window.location.reload();
});
