/**
 * The page's styles: system fonts only (the page works offline), light and dark schemes from the
 * visitor's preference, visible focus everywhere, and a single-column layout on narrow screens.
 */
export const PAGE_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f4f6f9;
  --surface: #ffffff;
  --surface-2: #f0f3f7;
  --text: #161a22;
  --muted: #566070;
  --border: #d8dde5;
  --accent: #1f5fd6;
  --accent-hover: #184db0;
  --on-accent: #ffffff;
  --accent-soft: #e7eefc;
  --danger: #b42323;
  --danger-soft: #fcebeb;
  --on-danger: #ffffff;
  --ok: #17753a;
  --focus: #1f5fd6;
  --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 1px 3px rgb(16 24 40 / 10%);
  --radius: 14px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1116;
    --surface: #171b22;
    --surface-2: #1f242d;
    --text: #e6e9ef;
    --muted: #9ba5b4;
    --border: #2c323d;
    --accent: #6ea2ff;
    --accent-hover: #8fb7ff;
    --on-accent: #0b1222;
    --accent-soft: #1a2840;
    --danger: #ff7b7b;
    --danger-soft: #3a1c1f;
    --on-danger: #2a0b0b;
    --ok: #5fd68a;
    --focus: #8fb7ff;
    --shadow: 0 1px 2px rgb(0 0 0 / 40%);
  }
}

*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { background: var(--bg); color: var(--text); }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
kbd { font: inherit; font-size: 0.85em; padding: 0.05rem 0.35rem; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 5px; background: var(--surface); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }

.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
.skip { position: absolute; left: 1rem; top: -4rem; padding: 0.5rem 1rem; background: var(--accent); color: var(--on-accent); border-radius: 8px; z-index: 10; }
.skip:focus { top: 1rem; }

.top { padding: 0.9rem 1.25rem; }
.brand { display: inline-flex; align-items: center; gap: 0.6rem; color: var(--text); text-decoration: none; font-weight: 650; font-size: 1.05rem; }
.brand img { border-radius: 7px; }

main { flex: 1; width: 100%; max-width: 54rem; margin: 0 auto; padding: 0 1.25rem 2rem; }
.foot { padding: 1rem 1.25rem 1.5rem; text-align: center; color: var(--muted); font-size: 0.85rem; }
.foot p { margin: 0; }

.drop { display: flex; flex-direction: column; align-items: center; text-align: center; padding: 2.25rem 1.5rem 1.75rem; background: var(--surface); border: 2px dashed var(--border); border-radius: var(--radius); transition: border-color 0.15s, background-color 0.15s; }
.dragging .drop { border-color: var(--accent); background: var(--accent-soft); }
.drop-icon { width: 3rem; height: 3rem; fill: none; stroke: var(--accent); stroke-width: 3; stroke-linecap: round; stroke-linejoin: round; }
.drop h1 { margin: 0.5rem 0 0.25rem; font-size: 1.6rem; letter-spacing: -0.01em; }
.lead { margin: 0 0 1rem; color: var(--muted); }
.hint { margin: 0.9rem 0 0; color: var(--muted); font-size: 0.875rem; }
#file { display: none; }

.btn { display: inline-flex; align-items: center; justify-content: center; gap: 0.35rem; min-height: 2.25rem; padding: 0.4rem 0.85rem; font: inherit; font-size: 0.9rem; font-weight: 550; color: var(--text); background: var(--surface); border: 1px solid var(--border); border-radius: 9px; cursor: pointer; text-decoration: none; white-space: nowrap; }
.btn:hover { background: var(--surface-2); }
.btn[aria-disabled="true"] { opacity: 0.6; cursor: progress; }
.btn.primary { color: var(--on-accent); background: var(--accent); border-color: var(--accent); }
.btn.primary:hover { background: var(--accent-hover); border-color: var(--accent-hover); }
#pick { min-height: 2.75rem; padding: 0.55rem 1.4rem; font-size: 1rem; }
.btn.danger { color: var(--danger); }
.btn.danger.armed { color: var(--on-danger); background: var(--danger); border-color: var(--danger); }
.btn.done { color: var(--ok); border-color: var(--ok); }

.results h2 { margin: 2rem 0 0.75rem; font-size: 1.1rem; }
.results h2:focus { outline: none; }
.empty { margin: 0; padding: 1.25rem; color: var(--muted); background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); }
.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.75rem; }

.card { display: grid; grid-template-columns: 7.5rem minmax(0, 1fr); gap: 1rem; padding: 0.9rem; background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.card[data-state="error"], .card[data-state="gone"] { border-color: color-mix(in srgb, var(--danger) 45%, var(--border)); }
.thumb { width: 7.5rem; height: 7.5rem; border-radius: 10px; overflow: hidden; background-color: var(--surface-2); background-image: linear-gradient(45deg, var(--border) 25%, transparent 25%, transparent 75%, var(--border) 75%), linear-gradient(45deg, var(--border) 25%, transparent 25%, transparent 75%, var(--border) 75%); background-size: 16px 16px; background-position: 0 0, 8px 8px; }
.thumb img { display: block; width: 100%; height: 100%; object-fit: cover; }
.thumb.broken { background-image: none; display: grid; place-items: center; }
.thumb.broken img { display: none; }
.thumb.broken::after { content: "No preview"; color: var(--muted); font-size: 0.75rem; }
.body { min-width: 0; display: flex; flex-direction: column; gap: 0.45rem; }
.head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 0.75rem; }
.name { margin: 0; font-size: 1rem; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
.meta { color: var(--muted); font-size: 0.85rem; font-variant-numeric: tabular-nums; }

.progress { display: flex; flex-direction: column; gap: 0.3rem; }
.status { color: var(--muted); font-size: 0.875rem; font-variant-numeric: tabular-nums; }
.card[data-state="ready"] .status { color: var(--ok); font-weight: 600; }
.card[data-state="error"] .status, .card[data-state="gone"] .status, .card[data-state="waiting"] .status { color: var(--danger); font-weight: 600; }
progress { appearance: none; width: 100%; height: 0.5rem; border: 0; border-radius: 999px; overflow: hidden; background: var(--surface-2); color: var(--accent); }
progress::-webkit-progress-bar { background: var(--surface-2); border-radius: 999px; }
progress::-webkit-progress-value { background: var(--accent); border-radius: 999px; transition: width 0.2s; }
progress::-moz-progress-bar { background: var(--accent); border-radius: 999px; }
progress:indeterminate { background: linear-gradient(90deg, var(--surface-2) 0%, var(--accent) 50%, var(--surface-2) 100%) 0 0 / 200% 100%; animation: slide 1.2s linear infinite; }
progress:indeterminate::-webkit-progress-bar { background: transparent; }
.card[data-state="ready"] progress, .card[data-state="error"] progress, .card[data-state="gone"] progress, .card[data-state="waiting"] progress { display: none; }
@keyframes slide { to { background-position: -200% 0; } }
@media (prefers-reduced-motion: reduce) { progress:indeterminate { animation: none; } .drop, progress::-webkit-progress-value { transition: none; } }

.message { margin: 0; font-weight: 550; }
.detail { margin: 0; color: var(--muted); font-size: 0.8rem; overflow-wrap: anywhere; }
.message:empty, .detail:empty, .links:empty, .actions:empty { display: none; }
.links { display: grid; gap: 0.4rem; }
.field { display: grid; grid-template-columns: 6.5rem minmax(0, 1fr) auto; align-items: center; gap: 0.5rem; }
.field label { color: var(--muted); font-size: 0.85rem; }
.code { min-width: 0; width: 100%; min-height: 2.25rem; padding: 0.35rem 0.6rem; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.8rem; color: var(--text); background: var(--surface-2); border: 1px solid var(--border); border-radius: 8px; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; }

.overlay { position: fixed; inset: 0; z-index: 20; display: grid; place-items: center; padding: 1.5rem; background: color-mix(in srgb, var(--bg) 70%, transparent); backdrop-filter: blur(3px); }
.overlay-box { display: flex; flex-direction: column; align-items: center; justify-content: center; width: min(100%, 40rem); height: min(100%, 24rem); border: 3px dashed var(--accent); border-radius: 24px; background: var(--accent-soft); color: var(--accent); font-size: 1.4rem; font-weight: 650; pointer-events: none; }
.overlay-box svg { width: 4rem; height: 4rem; fill: none; stroke: currentColor; stroke-width: 3; stroke-linecap: round; stroke-linejoin: round; }
.overlay-box p { margin: 0.5rem 0 0; }
.noscript { padding: 1rem; background: var(--danger-soft); border-radius: var(--radius); }

@media (max-width: 560px) {
  .top { padding: 0.75rem 1rem; }
  main { padding: 0 0.75rem 1.5rem; }
  .drop { padding: 1.5rem 1rem 1.25rem; }
  .drop h1 { font-size: 1.35rem; }
  /* The body's parts join the card's grid, so links and buttons can use the full width under the thumbnail. */
  .card { grid-template-columns: 4.5rem minmax(0, 1fr); gap: 0.5rem 0.75rem; padding: 0.75rem; }
  .body { display: contents; }
  .thumb { width: 4.5rem; height: 4.5rem; grid-row: span 2; }
  .head, .progress { grid-column: 2; }
  .message, .detail, .links, .actions { grid-column: 1 / -1; }
  .field { grid-template-columns: minmax(0, 1fr) auto; gap: 0.25rem 0.5rem; }
  .field label { grid-column: 1 / -1; }
  .actions .btn { flex: 1; }
}
`;
