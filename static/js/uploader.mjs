// Resumable uploads with tus-js-client, enhancing the plain upload form (which keeps working
// without JavaScript). Each file gets a progress bar and pause/resume; a dropped connection
// retries and carries on from the last byte the server stored; reopening the page resumes
// an unfinished upload of the same file.
const tus = window.tus;

function humanSize(bytes) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function row(list, file) {
  const item = document.createElement("li");
  item.className = "lantern-uploader__item";
  const label = document.createElement("span");
  label.className = "govuk-body lantern-break-word";
  label.textContent = `${file.name} (${humanSize(file.size)})`;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.className = "lantern-uploader__progress";
  bar.setAttribute("aria-label", `Upload progress for ${file.name}`);
  const status = document.createElement("span");
  status.className = "govuk-body-s lantern-uploader__status";
  status.textContent = "Waiting";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0";
  button.textContent = "Pause";
  item.append(label, bar, status, button);
  list.append(item);
  return { item, bar, status, button };
}

function start(endpoint, file, ui, onDone) {
  const upload = new tus.Upload(file, {
    endpoint,
    chunkSize: 16 * 1024 * 1024,
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
    metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
    onProgress(sent, total) {
      const pct = total ? Math.floor((sent / total) * 100) : 0;
      ui.bar.value = pct;
      ui.status.textContent = `${pct}% (${humanSize(sent)} of ${humanSize(total)})`;
    },
    onError(error) {
      ui.status.textContent = `Upload stopped: ${error.message || error}. Press Resume to try again.`;
      ui.button.textContent = "Resume";
      paused = true;
    },
    onSuccess() {
      ui.bar.value = 100;
      ui.status.textContent = "Uploaded";
      ui.button.remove();
      onDone();
    },
  });
  let paused = false;
  ui.button.addEventListener("click", () => {
    if (paused) { upload.start(); ui.button.textContent = "Pause"; }
    else { upload.abort(); ui.button.textContent = "Resume"; ui.status.textContent = "Paused"; }
    paused = !paused;
  });
  upload.findPreviousUploads().then((previous) => {
    if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  });
}

function enhance(container) {
  if (!tus || !tus.isSupported) return;
  const form = container.querySelector("form");
  const input = form.querySelector('input[type="file"]');
  const list = container.querySelector(".lantern-uploader__list");
  const endpoint = container.dataset.endpoint;
  let running = 0;
  const done = () => {
    running -= 1;
    if (running === 0) window.location.reload();
  };
  const send = (files) => {
    for (const file of files) {
      running += 1;
      start(endpoint, file, row(list, file), done);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.files.length) send(Array.from(input.files));
    input.value = "";
  });
  container.addEventListener("dragover", (event) => {
    event.preventDefault();
    container.classList.add("lantern-uploader--dragging");
  });
  container.addEventListener("dragleave", () => container.classList.remove("lantern-uploader--dragging"));
  container.addEventListener("drop", (event) => {
    event.preventDefault();
    container.classList.remove("lantern-uploader--dragging");
    send(Array.from(event.dataTransfer.files));
  });
}

document.querySelectorAll('[data-module="lantern-uploader"]').forEach(enhance);
