/**
 * Client part: the page's own history of uploads in localStorage. It holds each image's
 * delete token, which the API shows only once, so a reload or a new visit can still delete it.
 */
export const HISTORY_JS = String.raw`
const HISTORY_KEY = "img-host.uploads.v1";
/** Old entries beyond this many are dropped so the history stays well inside localStorage quotas. */
const HISTORY_MAX = 500;

/**
 * One upload as the history keeps it.
 * @typedef {object} Saved
 * @property {string} id
 * @property {string} name
 * @property {number} size
 * @property {string} url        the direct link, /i/{id}
 * @property {string} token      the delete token
 * @property {string} status     pending | processing | ready | failed
 * @property {number} width      of the original
 * @property {number} height
 * @property {number} [linkWidth]  of the largest variant, what the direct link serves, once ready
 * @property {number} [linkHeight]
 * @property {string} [thumb]    the smallest variant's URL once ready
 * @property {string} [error]
 * @property {string} created
 * @property {number} [order]    where its card stands: later batches first, each batch in the order given
 */

/** @param {unknown} value @returns {value is Saved} */
function isSaved(value) {
  if (!value || typeof value !== "object") return false;
  const v = /** @type {Record<string, unknown>} */ (value);
  return typeof v.id === "string" && typeof v.url === "string" && typeof v.token === "string" && typeof v.name === "string";
}

const historyStore = {
  /** @returns {Saved[]} in the order the cards stand */
  load() {
    try {
      const parsed = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(parsed) ? parsed.filter(isSaved).sort((a, b) => (b.order || 0) - (a.order || 0)) : [];
    } catch {
      return [];
    }
  },

  /** @param {Saved[]} entries */
  store(entries) {
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(entries.slice(0, HISTORY_MAX)));
    } catch {
      // Storage full or disabled (private mode): the page still works, only the history is lost.
    }
  },

  /** Adds an entry, or updates it in place. @param {Saved} entry */
  put(entry) {
    const all = historyStore.load().filter((e) => e.id !== entry.id);
    all.push(entry);
    historyStore.store(all.sort((a, b) => (b.order || 0) - (a.order || 0)));
  },

  /** @param {string} id */
  remove(id) {
    historyStore.store(historyStore.load().filter((e) => e.id !== id));
  },
};
`;
