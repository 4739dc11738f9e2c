/**
 * Client part: one card per file. The card's elements are built once; show() updates them for the
 * item's state and rebuilds the buttons only when the state changes, so progress events stay cheap
 * and keyboard focus is not lost while an upload moves along.
 */
export const CARDS_JS = String.raw`
/**
 * @typedef {object} Card
 * @property {HTMLLIElement} root
 * @property {HTMLImageElement} img
 * @property {string} preview          the local file's object URL, revoked once the final image shows
 * @property {HTMLElement} meta
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} status
 * @property {HTMLElement} message
 * @property {HTMLElement} detail
 * @property {HTMLElement} links
 * @property {HTMLElement} actions
 * @property {string} drawn            the state (and code) the buttons were last built for
 */

/** @type {Map<string, Item>} */
const items = new Map();
let serial = 0;

/**
 * @param {File | null} file
 * @param {Saved | null} saved
 * @param {number} order
 * @returns {Item}
 */
function newItem(file, saved, order) {
  const key = "up" + ++serial;
  const name = file ? file.name || "unnamed" : saved ? saved.name : "unnamed";
  const size = file ? file.size : saved ? saved.size : 0;
  const preview = file && file.type.startsWith("image/") ? URL.createObjectURL(file) : "";
  const img = h("img", { alt: "", decoding: "async" });
  img.addEventListener("error", () => {
    img.closest(".thumb")?.classList.add("broken");
    if (item.state === "ready") checkStillThere(item);
  });
  img.addEventListener("load", () => img.closest(".thumb")?.classList.remove("broken"));
  const thumbSrc = saved && saved.status === "ready" && saved.thumb ? saved.thumb : preview;
  if (thumbSrc) img.src = thumbSrc;
  const meta = h("span", { class: "meta", text: formatBytes(size) });
  const bar = h("progress", { max: "100", value: "0", "aria-label": "Upload progress of " + name });
  const status = h("span", { class: "status", id: key + "-status" });
  const message = h("p", { class: "message" });
  const detail = h("p", { class: "detail" });
  const links = h("div", { class: "links" });
  const actions = h("div", { class: "actions" });
  const root = h("li", { class: "card", "aria-labelledby": key + "-name", "aria-describedby": key + "-status" }, [
    h("div", { class: thumbSrc ? "thumb" : "thumb broken" }, [img]),
    h("div", { class: "body" }, [
      h("div", { class: "head" }, [h("h3", { class: "name", id: key + "-name", text: name, title: name }), meta]),
      h("div", { class: "progress" }, [bar, status]),
      message,
      detail,
      links,
      actions,
    ]),
  ]);
  const card = { root, img, preview, meta, bar, status, message, detail, links, actions, drawn: "" };
  /** @type {Item} */
  const item = { key, file, name, size, state: "new", attempts: 0, xhr: null, timer: 0, retryAt: 0, saved, code: "", detail: "", retryable: false, order, pollStarted: 0, card };
  items.set(key, item);
  return item;
}

/**
 * @param {Item} item
 * @param {number} loaded
 * @param {number} total
 */
function showProgress(item, loaded, total) {
  const percent = total > 0 ? Math.min(100, Math.round((loaded / total) * 100)) : 100;
  const { bar, status } = item.card;
  bar.value = percent;
  bar.setAttribute("aria-valuetext", percent + "%");
  if (item.state === "uploading") status.textContent = "Uploading " + percent + "% · " + formatBytes(loaded) + " of " + formatBytes(total);
}

/** @param {Item} item */
function statusText(item) {
  switch (item.state) {
    case "queued": return "Waiting for a free upload slot";
    case "sending": return "Uploaded 100% · checking the image";
    case "waiting": return errorText(item.code) + " Retrying in " + Math.max(1, Math.ceil((item.retryAt - Date.now()) / 1000)) + " s.";
    case "processing": return item.saved && item.saved.status === "processing" ? "Processing: making the sizes" : "Uploaded · waiting to be processed";
    case "ready": return "Ready";
    case "error": return item.code === "cancelled" ? "Cancelled" : "Not uploaded";
    case "gone": return "Deleted";
    default: return "";
  }
}

/** Brings the card up to date with its item. @param {Item} item */
function show(item) {
  const card = item.card;
  const saved = item.saved;
  card.root.dataset.state = item.state;
  if (item.state !== "uploading") card.status.textContent = statusText(item);
  if (item.state === "processing") card.bar.removeAttribute("value");
  if (item.state === "queued") card.bar.value = 0;
  const failed = item.state === "error" || item.state === "gone";
  // Spoken through the live region by whoever changed the state, so the card itself stays quiet.
  card.message.textContent = failed ? errorText(item.code) : "";
  card.detail.textContent = failed ? item.detail : "";
  if (saved && saved.width) card.meta.textContent = formatBytes(item.size) + " · " + saved.width + " × " + saved.height;
  if (item.state === "ready" && saved && saved.thumb && card.img.getAttribute("src") !== saved.thumb) {
    card.img.src = saved.thumb;
    card.img.alt = "";
    if (card.preview) card.img.addEventListener("load", () => URL.revokeObjectURL(card.preview), { once: true });
  }
  const drawn = item.state + ":" + item.code;
  if (card.drawn === drawn) return;
  card.drawn = drawn;
  const focused = card.root.contains(document.activeElement) && document.activeElement !== document.body;
  card.links.replaceChildren(...(item.state === "ready" && saved ? linkRows(item, saved) : []));
  card.actions.replaceChildren(...buttonsFor(item));
  if (focused && !card.root.contains(document.activeElement)) {
    const target = card.actions.querySelector("button, a");
    if (target instanceof HTMLElement) target.focus();
  }
}

/** @param {Item} item @returns {HTMLElement[]} */
function buttonsFor(item) {
  switch (item.state) {
    case "queued":
    case "uploading":
    case "waiting":
      return [button("Cancel", "Cancel upload of " + item.name, () => cancel(item))];
    case "sending":
      return [];
    case "processing":
      return [deleteButton(item)];
    case "ready":
      return [openLink(item), deleteButton(item)];
    case "error": {
      const list = [];
      if (item.retryable && item.file) list.push(button("Retry", "Retry upload of " + item.name, () => retry(item), "primary"));
      list.push(item.saved ? deleteButton(item) : button("Dismiss", "Dismiss " + item.name, () => forget(item)));
      return list;
    }
    case "gone":
      return [button("Dismiss", "Dismiss " + item.name, () => forget(item))];
    default:
      return [];
  }
}

/**
 * @param {string} text visible text
 * @param {string} label the accessible name, which starts with the visible text
 * @param {() => void} action
 * @param {string} [kind] primary | danger
 */
function button(text, label, action, kind) {
  const b = h("button", { type: "button", class: "btn" + (kind ? " " + kind : ""), "aria-label": label, text });
  b.addEventListener("click", action);
  return b;
}

/** @param {Item} item */
function openLink(item) {
  const url = item.saved ? item.saved.url : "#";
  return h("a", { class: "btn", href: url, target: "_blank", rel: "noopener" }, ["Open", h("span", { class: "visually-hidden", text: " " + item.name + " in a new tab" })]);
}
`;
