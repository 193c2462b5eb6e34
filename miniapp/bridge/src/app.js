// The mini-app's side of VK Bridge, loaded (deferred) by every page from base.html.
//
// VK's clients wait for VKWebAppInit before they take their loading screen away (on iOS and
// Android the journal would otherwise stay hidden), and tell the app their colour scheme with
// VKWebAppUpdateConfig. The pages are rendered on the server and work without this script: it
// only says "ready" and switches <html data-scheme> between "light" and "dark" (app.css holds
// the colours; without an answer from a client the CSS follows prefers-color-scheme).
import bridge from "@vkontakte/vk-bridge";

// VK's scheme names: the current four, and the older client_* pair some clients still send.
const SCHEMES = {
  bright_light: "light",
  vkcom_light: "light",
  client_light: "light",
  space_gray: "dark",
  vkcom_dark: "dark",
  client_dark: "dark",
};

const root = document.documentElement;
// An UpdateConfig event is newer than the answer to our one GetConfig request.
let updated = false;

/** "light", "dark", or null when the config names neither. */
function schemeOf(config) {
  if (!config || typeof config !== "object") return null;
  // `appearance` is what the client shows now; `scheme` alone on older clients.
  if (config.appearance === "light" || config.appearance === "dark") return config.appearance;
  return SCHEMES[config.scheme] || null;
}

function apply(config) {
  const scheme = schemeOf(config);
  if (!scheme) return;
  root.dataset.scheme = scheme;
  if (typeof config.scheme === "string") root.dataset.vkScheme = config.scheme;
}

bridge.subscribe((event) => {
  const detail = event && event.detail;
  if (detail && detail.type === "VKWebAppUpdateConfig") {
    updated = true;
    apply(detail.data);
  }
});

// Outside a VK client (a plain browser tab) nobody answers: the promises stay pending, harmlessly.
bridge.send("VKWebAppInit").catch(() => {});
bridge
  .send("VKWebAppGetConfig")
  .then((config) => {
    if (!updated) apply(config);
  })
  .catch(() => {});
