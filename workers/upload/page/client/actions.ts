/**
 * Client part: what a ready card offers: the direct link, Markdown and HTML, each copied with one
 * click; deleting with the token the history kept (a second click confirms); forgetting a card.
 */
export const ACTIONS_JS = String.raw`
/** @param {string} name */
function altText(name) {
  return name.replace(/\.[A-Za-z0-9]{1,5}$/, "").replace(/[_-]+/g, " ").trim() || "image";
}

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** @param {Saved} saved @returns {{ label: string, what: string, value: string }[]} */
function shareFormats(saved) {
  const alt = altText(saved.name);
  const size = saved.linkWidth ? ' width="' + saved.linkWidth + '" height="' + saved.linkHeight + '"' : "";
  return [
    { label: "Direct link", what: "direct link", value: saved.url },
    { label: "Markdown", what: "Markdown", value: "![" + alt.replace(/([\[\]\\])/g, "\\$1") + "](" + saved.url + ")" },
    { label: "HTML", what: "HTML code", value: '<img src="' + escapeHtml(saved.url) + '"' + size + ' alt="' + escapeHtml(alt) + '">' },
  ];
}

/** @param {Item} item @param {Saved} saved */
function linkRows(item, saved) {
  return shareFormats(saved).map(({ label, what, value }) => {
    const id = item.key + "-" + label.toLowerCase().replace(/\W+/g, "-");
    const field = h("input", { id, type: "text", class: "code", readonly: "", spellcheck: "false", autocomplete: "off" });
    field.value = value;
    field.addEventListener("focus", () => field.select());
    const copyButton = button("Copy", "Copy " + what + " of " + item.name, () => copy(field, copyButton, what, item.name));
    return h("div", { class: "field" }, [h("label", { for: id, text: label }), field, copyButton]);
  });
}

/**
 * @param {HTMLInputElement} field
 * @param {HTMLButtonElement} copyButton
 * @param {string} what
 * @param {string} name
 */
async function copy(field, copyButton, what, name) {
  try {
    await navigator.clipboard.writeText(field.value);
    copyButton.textContent = "Copied";
    copyButton.classList.add("done");
    announce(what.charAt(0).toUpperCase() + what.slice(1) + " of " + name + " copied.");
    setTimeout(() => {
      copyButton.textContent = "Copy";
      copyButton.classList.remove("done");
    }, 2000);
  } catch {
    // No clipboard permission: select the text so Ctrl+C (or the context menu) finishes the job.
    field.focus();
    field.select();
    announce("Could not copy by itself; the " + what + " is selected, press Ctrl+C to copy it.");
  }
}

/** A delete button that asks for a second click, since a deleted link is gone for good. @param {Item} item */
function deleteButton(item) {
  const label = "Delete " + item.name;
  const b = button("Delete", label, () => {
    if (b.getAttribute("aria-disabled") === "true") return;
    if (!b.classList.contains("armed")) {
      b.classList.add("armed");
      b.textContent = "Confirm delete";
      b.setAttribute("aria-label", "Confirm delete of " + item.name + ": the link stops working");
      announce("Press again to delete " + item.name + " for good.");
      timer = window.setTimeout(disarm, 6000);
      return;
    }
    clearTimeout(timer);
    destroy(item, b);
  }, "danger");
  let timer = 0;
  const disarm = () => {
    if (b.getAttribute("aria-disabled") === "true") return;
    b.classList.remove("armed");
    b.textContent = "Delete";
    b.setAttribute("aria-label", label);
  };
  b.addEventListener("keydown", (e) => {
    if (e.key === "Escape") disarm();
  });
  b.addEventListener("blur", disarm);
  return b;
}

/** @param {Item} item @param {HTMLButtonElement} b */
async function destroy(item, b) {
  const saved = item.saved;
  if (!saved) return forget(item);
  clearTimeout(item.timer);
  // aria-disabled rather than disabled: a disabled button drops keyboard focus, which forget() hands on.
  b.setAttribute("aria-disabled", "true");
  b.textContent = "Deleting…";
  let res = null;
  try {
    res = await fetch("/api/images/" + encodeURIComponent(saved.id), { method: "DELETE", headers: { Authorization: "Bearer " + saved.token } });
  } catch {
    // Reported below, like a refusal.
  }
  if (res && (res.status === 204 || res.status === 404)) {
    announce(item.name + " deleted.");
    return forget(item);
  }
  b.removeAttribute("aria-disabled");
  b.classList.remove("armed");
  b.textContent = "Delete";
  /** @type {any} */
  const body = res ? await res.json().catch(() => null) : null;
  const code = body && body.error && body.error.code ? body.error.code : res ? codeForStatus(res.status) : "network";
  item.card.message.textContent = "Not deleted: " + errorText(code);
  announce(item.name + " was not deleted: " + errorText(code));
  if (item.state === "processing") poll(item, 1000);
}

/** Removes the card and its history entry, and moves focus to a neighbour so keyboard users stay oriented. @param {Item} item */
function forget(item) {
  if (item.saved) historyStore.remove(item.saved.id);
  clearTimeout(item.timer);
  item.state = "removed";
  items.delete(item.key);
  const root = item.card.root;
  const hadFocus = root.contains(document.activeElement);
  const neighbour = root.nextElementSibling || root.previousElementSibling;
  root.remove();
  if (item.card.preview) URL.revokeObjectURL(item.card.preview);
  updateEmpty();
  if (hadFocus) {
    const target = neighbour && neighbour.querySelector("button, a");
    if (target instanceof HTMLElement) target.focus();
    else byId("uploads-title").focus();
  }
}

/** A ready image that no longer loads may have been deleted from another browser. @param {Item} item */
async function checkStillThere(item) {
  if (!item.saved) return;
  try {
    const res = await fetch("/api/images/" + encodeURIComponent(item.saved.id), { cache: "no-store" });
    if (res.status === 404) gone(item);
  } catch {
    // Offline: the thumbnail stays a placeholder and the card as it is.
  }
}
`;
