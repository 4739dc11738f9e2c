/**
 * Client part: wiring. Files arrive from the picker, a drop anywhere on the page (an overlay shows
 * while files are dragged over it) or a paste; each gets a card at once, is checked for size and
 * type here (the server still decides), and joins the queue. The history is drawn on load.
 */
export const MAIN_JS = String.raw`
const list = byId("uploads");
const picker = /** @type {HTMLInputElement} */ (byId("file"));
const overlay = byId("overlay");

function updateEmpty() {
  byId("empty").hidden = list.childElementCount > 0;
}

/**
 * The browser's check before sending; returns an error code, or "" when the file may go.
 * @param {File} file
 */
function precheck(file) {
  if (file.size === 0) return "empty";
  if (file.size > settings.maxBytes) return "payload_too_large";
  // An empty type (unknown extension) goes to the server, which judges by the bytes.
  if (file.type && !settings.accepted.includes(file.type) && !TYPE_ALIASES.includes(file.type)) return "unsupported_media_type";
  return "";
}

/** @param {Iterable<File>} files */
function addFiles(files) {
  // Later batches go first; within a batch, files keep the order they were given in.
  const batch = Date.now() * 1000;
  const added = [...files].map((file, i) => newItem(file, null, batch - i));
  if (added.length === 0) return;
  list.prepend(...added.map((item) => item.card.root));
  updateEmpty();
  let sending = 0;
  for (const item of added) {
    const file = /** @type {File} */ (item.file);
    const code = precheck(file);
    if (code) {
      const why = code === "unsupported_media_type" ? "its type is " + file.type : code === "payload_too_large" ? "it is " + formatBytes(file.size) : "";
      fail(item, code, why ? "Checked in this browser: " + why + "." : "", false);
    } else {
      sending++;
      enqueue(item);
    }
  }
  announce(added.length === 1 ? "1 file added." : added.length + " files added; " + sending + " to upload.");
}

/** Screenshots pasted from the clipboard are all called image.png: give each a distinct name. @param {File} file */
function pastedName(file) {
  if (!/^image\.\w+$/.test(file.name)) return file;
  const stamp = new Date().toISOString().slice(0, 19).replace("T", " ").replace(/:/g, "-");
  const ext = file.name.split(".").pop();
  return new File([file], "Pasted " + stamp + "." + ext, { type: file.type, lastModified: file.lastModified });
}

if (/Mac|iPhone|iPad/.test(navigator.userAgent)) byId("paste-key").textContent = "⌘";

byId("pick").addEventListener("click", () => picker.click());
picker.addEventListener("change", () => {
  if (picker.files) addFiles(picker.files);
  picker.value = "";
});

/** @param {DragEvent} e */
const carriesFiles = (e) => !!e.dataTransfer && [...e.dataTransfer.types].includes("Files");
// dragenter/dragleave fire for every element crossed, so a depth count tells when the drag left the page.
let dragDepth = 0;
const hideOverlay = () => {
  dragDepth = 0;
  overlay.hidden = true;
  document.body.classList.remove("dragging");
};
document.addEventListener("dragenter", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  dragDepth++;
  overlay.hidden = false;
  document.body.classList.add("dragging");
});
document.addEventListener("dragover", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  overlay.hidden = false;
});
document.addEventListener("dragleave", (e) => {
  if (!carriesFiles(e)) return;
  dragDepth--;
  if (dragDepth <= 0) hideOverlay();
});
document.addEventListener("dragend", hideOverlay);
document.addEventListener("drop", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  hideOverlay();
  if (e.dataTransfer) addFiles(e.dataTransfer.files);
});

document.addEventListener("paste", (e) => {
  const files = e.clipboardData ? [...e.clipboardData.files] : [];
  if (files.length === 0) return;
  e.preventDefault();
  addFiles(files.map(pastedName));
});

window.addEventListener("beforeunload", (e) => {
  if (running > 0 || queue.length > 0) e.preventDefault();
});

// Back online: uploads waiting out a pause go now rather than when their timers end.
window.addEventListener("online", () => {
  for (const item of items.values()) {
    if (item.state !== "waiting") continue;
    clearTimeout(item.timer);
    enqueue(item, true);
  }
});

// Counts down on cards waiting to retry.
window.setInterval(() => {
  for (const item of items.values()) if (item.state === "waiting") show(item);
}, 1000);

fetch("/api/config")
  .then((res) => (res.ok ? res.json() : null))
  .then((config) => {
    if (config && typeof config.max_upload_bytes === "number") settings.maxBytes = config.max_upload_bytes;
    if (config && Array.isArray(config.accepted_types)) settings.accepted = config.accepted_types;
    byId("limits").textContent = acceptedList() + ", up to " + formatBytes(settings.maxBytes) + " each.";
  })
  .catch(() => {
    // Offline: the built-in defaults stand, and the server still checks every file.
  });

for (const saved of historyStore.load()) {
  const item = newItem(null, saved, saved.order || 0);
  list.append(item.card.root);
  if (saved.status === "ready") {
    item.state = "ready";
  } else if (saved.status === "failed") {
    item.state = "error";
    item.code = "processing_failed";
    item.detail = saved.error ? "Server says: " + saved.error : "";
  } else {
    item.state = "processing";
    poll(item, 0);
  }
  show(item);
}
updateEmpty();
`;
