/**
 * Client part: the upload queue. A few uploads run at once through XMLHttpRequest (whose
 * upload progress events report real bytes sent); network errors, 429 and 503 are retried after
 * Retry-After or a growing pause; accepted images are polled with backoff until ready or failed.
 */
export const TRANSFER_JS = String.raw`
/**
 * One file on the page, from the moment it is added until it is deleted or dismissed.
 * @typedef {object} Item
 * @property {string} key
 * @property {File | null} file        null for entries restored from the history
 * @property {string} name
 * @property {number} size
 * @property {string} state            queued | uploading | sending | waiting | processing | ready | error | gone | removed
 * @property {number} attempts
 * @property {XMLHttpRequest | null} xhr
 * @property {number} timer
 * @property {number} retryAt          when a waiting item goes back in the queue (ms since epoch)
 * @property {Saved | null} saved      set once the server accepted the file
 * @property {string} code             the error code behind state "error" or "waiting"
 * @property {string} detail           why, in the server's words or the browser check's, shown small under ours
 * @property {boolean} retryable
 * @property {number} order            see Saved.order
 * @property {number} pollStarted      when status polling began, to slow it down after a while
 * @property {Card} card
 */

/** @type {Item[]} */
const queue = [];
let running = 0;

/** @param {Item} item @param {boolean} [first] put it ahead of the others (a retry after a pause) */
function enqueue(item, first) {
  item.state = "queued";
  item.code = "";
  item.detail = "";
  if (first) queue.unshift(item);
  else queue.push(item);
  show(item);
  pump();
}

function pump() {
  while (running < CONCURRENCY && queue.length > 0) {
    const item = queue.shift();
    if (item) send(item);
  }
}

/** @param {Item} item */
function send(item) {
  const file = item.file;
  if (!file) return;
  running++;
  item.attempts++;
  item.state = "uploading";
  show(item);
  showProgress(item, 0, file.size);
  const xhr = new XMLHttpRequest();
  item.xhr = xhr;
  // Each request ends once: by its answer, a network error, or cancel() (which releases it itself).
  const release = () => {
    if (item.xhr !== xhr) return false;
    item.xhr = null;
    running--;
    pump();
    return true;
  };
  xhr.upload.addEventListener("progress", (e) => {
    if (e.lengthComputable && item.xhr === xhr) showProgress(item, e.loaded, e.total);
  });
  xhr.upload.addEventListener("load", () => {
    if (item.xhr !== xhr) return;
    item.state = "sending";
    showProgress(item, file.size, file.size);
    show(item);
  });
  xhr.addEventListener("load", () => {
    if (release()) received(item, xhr);
  });
  xhr.addEventListener("error", () => {
    if (release()) transient(item, "network", null);
  });
  xhr.open("POST", "/api/images");
  const form = new FormData();
  form.append("file", file, item.name);
  xhr.send(form);
}

/** @param {number} status */
function codeForStatus(status) {
  const codes = /** @type {Record<number, string>} */ ({ 400: "bad_request", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_image", 429: "rate_limited", 502: "unavailable", 503: "unavailable", 504: "unavailable" });
  return codes[status] || "server";
}

/** @param {Item} item @param {XMLHttpRequest} xhr */
function received(item, xhr) {
  /** @type {any} */
  let body = null;
  try {
    body = JSON.parse(xhr.responseText);
  } catch {
    // Not JSON (a proxy's error page, say): the status code alone decides.
  }
  if (xhr.status >= 200 && xhr.status < 300 && body && typeof body.id === "string") {
    item.saved = {
      id: body.id,
      name: item.name,
      size: item.size,
      url: body.url,
      token: body.delete_token,
      status: body.status,
      width: body.width,
      height: body.height,
      created: body.created_at || new Date().toISOString(),
      order: item.order,
    };
    historyStore.put(item.saved);
    item.state = "processing";
    show(item);
    announce(item.name + " uploaded; processing.");
    poll(item, 300);
    return;
  }
  const code = (body && body.error && typeof body.error.code === "string" && body.error.code) || codeForStatus(xhr.status);
  const said = body && body.error && typeof body.error.message === "string" ? body.error.message : "";
  const detail = said ? "Server says: " + said : "";
  if (code === "rate_limited" || code === "unavailable") transient(item, code, retryAfterSeconds(xhr.getResponseHeader("Retry-After")));
  else fail(item, code, detail, code === "server");
}

/**
 * A failure worth retrying by itself: waits (Retry-After if the server gave one), then queues the
 * file again ahead of the others; after AUTO_RETRIES the card offers a Retry button instead.
 * @param {Item} item @param {string} code @param {number | null} after seconds
 */
function transient(item, code, after) {
  if (item.attempts > AUTO_RETRIES) {
    fail(item, code, "", true);
    return;
  }
  const seconds = after !== null ? after : Math.min(30, 2 ** (item.attempts - 1));
  item.state = "waiting";
  item.code = code;
  item.retryAt = Date.now() + seconds * 1000;
  show(item);
  announce(item.name + ": " + errorText(code) + " Retrying in " + Math.ceil(seconds) + " seconds.");
  item.timer = window.setTimeout(() => enqueue(item, true), seconds * 1000);
}

/** @param {Item} item @param {string} code @param {string} detail @param {boolean} retryable */
function fail(item, code, detail, retryable) {
  item.state = "error";
  item.code = code;
  item.detail = detail;
  item.retryable = retryable || code === "network" || code === "unavailable" || code === "rate_limited";
  show(item);
  announce(item.name + ": " + errorText(code));
}

/** @param {Item} item */
function cancel(item) {
  const xhr = item.xhr;
  if (xhr) {
    item.xhr = null;
    running--;
    xhr.abort();
    pump();
  }
  const at = queue.indexOf(item);
  if (at >= 0) queue.splice(at, 1);
  clearTimeout(item.timer);
  fail(item, "cancelled", "", true);
}

/** @param {Item} item */
function retry(item) {
  item.attempts = 0;
  enqueue(item);
}

/**
 * Asks for the image's status until it is ready or failed, waiting longer each time: up to 5 s
 * apart for the first two minutes, then 30 s (an image stuck that long waits for the server's
 * reconciler, and a page left open should not keep asking every few seconds).
 * @param {Item} item @param {number} delay ms before this check
 */
function poll(item, delay) {
  const saved = item.saved;
  if (!saved) return;
  if (delay === 0 || !item.pollStarted) item.pollStarted = Date.now();
  item.timer = window.setTimeout(async () => {
    let next = Math.min(delay * 1.5, Date.now() - item.pollStarted > 120000 ? 30000 : 5000);
    try {
      const res = await fetch("/api/images/" + encodeURIComponent(saved.id), { cache: "no-store" });
      if (item.state !== "processing") return;
      if (res.status === 404) return gone(item);
      if (res.status === 429 || res.status === 503) {
        next = Math.max(next, (retryAfterSeconds(res.headers.get("Retry-After")) || 5) * 1000);
      } else if (res.ok) {
        const record = await res.json();
        if (record.status === "ready") return ready(item, record);
        if (record.status === "failed") {
          saved.status = "failed";
          const reason = typeof record.error === "string" ? record.error : "";
          saved.error = reason;
          historyStore.put(saved);
          return fail(item, "processing_failed", reason ? "Server says: " + reason : "", false);
        }
        if (record.status !== saved.status) {
          saved.status = record.status;
          historyStore.put(saved);
          show(item);
        }
      }
    } catch {
      // Offline for a moment: keep asking.
    }
    if (item.state === "processing") poll(item, next);
  }, delay);
}

/**
 * @param {Item} item
 * @param {{ width: number, height: number, variants?: { width: number, height: number }[] }} record
 */
function ready(item, record) {
  const saved = item.saved;
  if (!saved) return;
  const widths = (record.variants || []).slice().sort((a, b) => a.width - b.width);
  const largest = widths[widths.length - 1];
  const smallest = widths[0];
  saved.status = "ready";
  saved.linkWidth = largest ? largest.width : record.width;
  saved.linkHeight = largest ? largest.height : record.height;
  saved.thumb = smallest ? saved.url + "/" + smallest.width : saved.url;
  historyStore.put(saved);
  item.state = "ready";
  show(item);
  announce(item.name + " is ready; its links can be copied.");
}

/** The server no longer knows the image (deleted elsewhere, or its processing failed). @param {Item} item */
function gone(item) {
  item.state = "gone";
  item.code = "not_found";
  show(item);
}
`;
