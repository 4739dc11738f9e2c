/**
 * The upload page: static HTML, CSS and JS served by the upload Worker with a strict CSP
 * (no inline script or style, nothing from other origins), so it also works offline.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Image host</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<main>
  <h1>Upload images</h1>
  <label id="drop" class="drop" for="file">
    <span>Drop images here, paste them, or <u>choose files</u></span>
    <input id="file" type="file" accept="image/jpeg,image/png,image/gif,image/webp,image/avif" multiple>
  </label>
  <p id="status" role="status" aria-live="polite"></p>
  <ul id="uploads" aria-label="Uploads"></ul>
</main>
</body>
</html>`;

export const PAGE_CSS = `
:root { font-family: system-ui, sans-serif; color-scheme: light dark; }
body { margin: 0; padding: 1rem; }
main { max-width: 48rem; margin: 0 auto; }
.drop { display: block; border: 2px dashed #888; border-radius: 12px; padding: 3rem 1rem; text-align: center; cursor: pointer; }
.drop.over { border-color: #2a7ae2; background: rgba(42, 122, 226, 0.08); }
.drop input { position: absolute; width: 1px; height: 1px; opacity: 0; }
.drop:focus-within { outline: 3px solid #2a7ae2; outline-offset: 2px; }
ul { list-style: none; padding: 0; }
li { display: flex; gap: 1rem; align-items: center; padding: 0.5rem 0; border-bottom: 1px solid #8884; }
li img { width: 64px; height: 64px; object-fit: cover; border-radius: 6px; }
li .info { flex: 1; min-width: 0; overflow-wrap: anywhere; }
li .error { color: #c62828; }
progress { width: 100%; }
`;

export const PAGE_JS = `
const list = document.getElementById("uploads");
const drop = document.getElementById("drop");
const input = document.getElementById("file");
const status = document.getElementById("status");

function card(file) {
  const li = document.createElement("li");
  const img = document.createElement("img");
  img.alt = "";
  img.src = URL.createObjectURL(file);
  const info = document.createElement("div");
  info.className = "info";
  const name = document.createElement("div");
  name.textContent = file.name + " (" + Math.round(file.size / 1024) + " KiB)";
  const bar = document.createElement("progress");
  bar.max = 100; bar.value = 0;
  const msg = document.createElement("div");
  info.append(name, bar, msg);
  li.append(img, info);
  list.prepend(li);
  return { li, bar, msg };
}

function upload(file) {
  const ui = card(file);
  const form = new FormData();
  form.append("file", file);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/images");
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) ui.bar.value = (e.loaded / e.total) * 100; };
  xhr.onload = () => {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch {}
    if (xhr.status === 202 && body) {
      ui.bar.value = 100;
      const a = document.createElement("a");
      a.href = body.url; a.textContent = body.url;
      ui.msg.append(a);
      ui.li.dataset.id = body.id;
      status.textContent = file.name + " uploaded";
    } else {
      ui.msg.className = "error";
      ui.msg.textContent = (body && body.error && body.error.message) || ("upload failed (" + xhr.status + ")");
      status.textContent = file.name + ": " + ui.msg.textContent;
    }
  };
  xhr.onerror = () => { ui.msg.className = "error"; ui.msg.textContent = "network error"; };
  xhr.send(form);
}

function addFiles(files) { for (const f of files) upload(f); }
input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
for (const t of ["dragenter", "dragover"]) document.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); });
document.addEventListener("dragleave", () => drop.classList.remove("over"));
document.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); addFiles(e.dataTransfer.files); });
document.addEventListener("paste", (e) => {
  const files = [...e.clipboardData.items].filter((i) => i.kind === "file").map((i) => i.getAsFile());
  addFiles(files);
});
`;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2a7ae2"/><path d="M6 24l7-9 5 6 3-4 5 7z" fill="#fff"/><circle cx="22" cy="10" r="3" fill="#fff"/></svg>`;
