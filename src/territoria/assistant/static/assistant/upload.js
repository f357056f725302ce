// The files of a chosen folder keep their path inside it ("rh/conges.docx"): browsers send only
// the file name, so the paths travel in the hidden field folder_paths, in the same order.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.hasAttribute("webkitdirectory") || !input.form) return;
  const paths = input.form.querySelector("input[name=folder_paths]");
  if (paths) paths.value = JSON.stringify(Array.from(input.files, (file) => file.webkitRelativePath || file.name));
});
