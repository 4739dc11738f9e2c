/**
 * The page's markup. Everything dynamic (cards, limits, messages) is built by the client script;
 * the markup holds the landmarks, the picker, the drop overlay and the live region screen readers follow.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="description" content="Upload images and get short, permanent links to share.">
<title>Upload images · Image host</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<a class="skip" href="#uploads-title">Skip to your uploads</a>
<header class="top">
  <a class="brand" href="/"><img src="/favicon.svg" alt="" width="28" height="28"><span>Image host</span></a>
</header>
<main>
  <section class="intake" aria-labelledby="title">
    <div id="drop" class="drop">
      <svg class="drop-icon" viewBox="0 0 48 48" aria-hidden="true" focusable="false"><path d="M24 32V12m0 0-8 8m8-8 8 8" /><path d="M8 30v6a4 4 0 0 0 4 4h24a4 4 0 0 0 4-4v-6" /></svg>
      <h1 id="title">Upload images</h1>
      <p class="lead">Drag images anywhere on this page, paste one with <kbd id="paste-key">Ctrl</kbd>+<kbd>V</kbd>, or</p>
      <button type="button" id="pick" class="btn primary" aria-describedby="limits">Choose images</button>
      <input id="file" type="file" accept="image/jpeg,image/png,image/gif,image/webp,image/avif" multiple tabindex="-1" aria-hidden="true">
      <p class="hint" id="limits">JPEG, PNG, GIF, WebP or AVIF, up to 32 MB each.</p>
    </div>
  </section>
  <section class="results" aria-labelledby="uploads-title">
    <h2 id="uploads-title" tabindex="-1">Your uploads</h2>
    <p id="empty" class="empty">Nothing here yet. Uploads you make in this browser stay listed, with their links, until you delete them.</p>
    <ul id="uploads" class="cards"></ul>
  </section>
  <div id="live" class="visually-hidden" role="status" aria-live="polite" aria-atomic="false"></div>
  <noscript><p class="noscript">This page needs JavaScript to upload. Without it, send a file with <code>curl -F file=@photo.jpg</code> to <code>/api/images</code>.</p></noscript>
</main>
<footer class="foot">
  <p>Anyone with a link can see its image. Delete tokens stay in this browser only: clearing its site data forgets them.</p>
</footer>
<div id="overlay" class="overlay" hidden>
  <div class="overlay-box">
    <svg viewBox="0 0 48 48" aria-hidden="true" focusable="false"><path d="M24 32V12m0 0-8 8m8-8 8 8" /><path d="M8 30v6a4 4 0 0 0 4 4h24a4 4 0 0 0 4-4v-6" /></svg>
    <p>Drop images to upload</p>
  </div>
</div>
</body>
</html>`;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2a7ae2"/><path d="M6 24l7-9 5 6 3-4 5 7z" fill="#fff"/><circle cx="22" cy="10" r="3" fill="#fff"/></svg>`;
