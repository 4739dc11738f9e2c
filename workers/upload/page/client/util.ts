/**
 * Client part: settings, formatting, the human wording of every API error, DOM helpers and the live
 * region. The parts (in the order ../index.ts joins them) are plain browser JavaScript, without
 * template literals so they can live in String.raw, concatenated into one module script;
 * test/browser/client-types.test.ts type-checks them against the DOM.
 */
export const UTIL_JS = String.raw`
/** How many uploads run at once: enough to fill a connection, few enough to show steady progress. */
const CONCURRENCY = 3;
/** Automatic retries after a network error, 429 or 503, before the card asks the person. */
const AUTO_RETRIES = 3;

/** Defaults match the server's; /api/config replaces them with the deployed values. */
const settings = {
  maxBytes: 32 * 1024 * 1024,
  accepted: ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"],
};

/** Names some systems give accepted formats (APNG is a PNG to the server). */
const TYPE_ALIASES = ["image/jpg", "image/pjpeg", "image/x-png", "image/apng"];

/** @param {number} n */
function formatBytes(n) {
  if (n < 1024) return n + " B";
  const units = ["KB", "MB", "GB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, "");
  return shown + " " + units[unit];
}

/** @param {string} type */
function formatName(type) {
  const names = /** @type {Record<string, string>} */ ({ "image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP", "image/avif": "AVIF" });
  return names[type] || type;
}

function acceptedList() {
  const names = settings.accepted.map(formatName);
  return names.length > 1 ? names.slice(0, -1).join(", ") + " or " + names[names.length - 1] : names.join("");
}

/**
 * What a person reads for each error code the API can answer, and for failures before any answer.
 * @param {string} code
 * @returns {string}
 */
function errorText(code) {
  switch (code) {
    case "payload_too_large": return "Too large: files can be up to " + formatBytes(settings.maxBytes) + ".";
    case "unsupported_media_type": return "Not a supported image. Use " + acceptedList() + ".";
    case "invalid_image": return "This image file is damaged or incomplete, so it can't be used.";
    case "image_too_large": return "This image has too many pixels, or is too wide, tall or long, to be processed.";
    case "metadata_too_large": return "This image carries too much embedded metadata (EXIF, XMP or colour profile).";
    case "rate_limited": return "Too many uploads from your connection right now.";
    case "unavailable": return "The server is briefly unavailable.";
    case "network": return "The connection dropped before the upload finished.";
    case "empty": return "This file is empty (or is a folder).";
    case "bad_request": return "The server could not read this upload.";
    case "unauthorized":
    case "forbidden": return "The server did not accept this browser's delete token.";
    case "not_found": return "This image no longer exists.";
    case "processing_failed": return "The image was accepted but could not be processed.";
    case "cancelled": return "Upload cancelled.";
    default: return "Something went wrong on the server.";
  }
}

/**
 * Seconds to wait from a Retry-After header (seconds or an HTTP date), or null.
 * @param {string | null} header
 */
function retryAfterSeconds(header) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Creates an element; "text" sets its text, every other key an attribute.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  if (children) node.append(...children);
  return node;
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error("the page has no #" + id);
  return node;
}

/**
 * Tells screen readers what happened. Each message is its own node, so two quick updates are both read.
 * @param {string} message
 */
function announce(message) {
  const live = byId("live");
  live.append(h("p", { text: message }));
  while (live.childElementCount > 5) live.firstElementChild?.remove();
}
`;
