/**
 * The upload page: static HTML, CSS and JS served by the upload Worker with a strict CSP (no inline
 * script or style, nothing from other origins), so it also works offline. No framework: the client
 * is a few hundred lines of browser JavaScript in parts, joined here into one module script.
 */
import { ACTIONS_JS } from "./client/actions";
import { CARDS_JS } from "./client/cards";
import { HISTORY_JS } from "./client/history";
import { MAIN_JS } from "./client/main";
import { TRANSFER_JS } from "./client/transfer";
import { UTIL_JS } from "./client/util";

export { PAGE_HTML, FAVICON_SVG } from "./html";
export { PAGE_CSS } from "./css";

/** The client's parts in order (later parts call earlier ones); named so type errors point at a part. */
export const CLIENT_PARTS: Record<string, string> = {
  util: UTIL_JS,
  history: HISTORY_JS,
  transfer: TRANSFER_JS,
  cards: CARDS_JS,
  actions: ACTIONS_JS,
  main: MAIN_JS,
};

export const PAGE_JS = Object.values(CLIENT_PARTS).join("\n");
