// Песочница VK: mini-apps open in a frame over the chat, and this is the web client's side of
// VK Bridge for them. @vkontakte/vk-bridge in a frame posts
//   {handler: "VKWebAppInit", params: {request_id: "1_abc"}, type: "vk-connect", ...}
// to window.parent and takes answers shaped {type: "VKWebAppInitResult", data: {..., request_id}}
// (failures "<method>Failed" with {error_type, error_data}; events such as VKWebAppUpdateConfig
// without request_id), the shapes its source handles on the web.
// Everything received and sent is kept in window.sandboxBridgeLog and shown under the frame.
(function () {
  "use strict";
  var layer = document.getElementById("app-layer");
  if (!layer) return;
  var frame = document.getElementById("app-frame");
  var title = document.getElementById("app-title");
  var dark = document.getElementById("app-dark");
  var logList = document.getElementById("bridge-log");
  var logCount = document.getElementById("bridge-count");
  var SCHEME_KEY = "sandbox.scheme";
  // What SetSupportedHandlers reports: the methods answered below.
  var METHODS = ["VKWebAppInit", "VKWebAppGetConfig", "VKWebAppClose"];
  var log = [];
  var appId = "";
  var appOrigin = null; // the origin the open app wrote from: events go only there
  window.sandboxBridgeLog = log;

  try {
    dark.checked = window.localStorage.getItem(SCHEME_KEY) === "dark";
  } catch (e) { /* storage off: start light */ }

  function isDark() { return dark.checked; }

  function config() {
    // What VK's full web client sends (VKUpdateConfigData in vk-bridge's types).
    return {
      app_id: appId,
      appearance: isDark() ? "dark" : "light",
      scheme: isDark() ? "vkcom_dark" : "vkcom_light",
      viewport_width: window.innerWidth,
      viewport_height: window.innerHeight,
      api_host: window.location.host,
      is_layer: true
    };
  }

  function record(direction, method, data, origin) {
    log.push({direction: direction, method: method, data: data, origin: origin});
    var item = document.createElement("li");
    item.className = direction;
    var detail = data && data.appearance ? " (" + (data.appearance === "dark" ? "тёмная" : "светлая") + ")" : "";
    item.textContent = (direction === "in" ? "← " : "→ ") + method + detail;
    logList.appendChild(item);
    logCount.textContent = String(log.length);
  }

  function send(target, origin, type, data) {
    target.postMessage({type: type, data: data}, origin);
    record("out", type, data, origin);
  }

  function withRequestId(data, requestId) {
    var out = {};
    for (var key in data) if (Object.prototype.hasOwnProperty.call(data, key)) out[key] = data[key];
    if (requestId !== undefined && requestId !== null) out.request_id = requestId;
    return out;
  }

  function answer(target, origin, method, params) {
    var requestId = params.request_id;
    if (method === "VKWebAppInit") {
      send(target, origin, "VKWebAppInitResult", withRequestId({result: true}, requestId));
      // Mobile clients follow the init with the current config; apps may rely on it.
      send(target, origin, "VKWebAppUpdateConfig", config());
    } else if (method === "VKWebAppGetConfig") {
      send(target, origin, "VKWebAppGetConfigResult", withRequestId(config(), requestId));
    } else if (method === "SetSupportedHandlers") {
      send(target, origin, "SetSupportedHandlers", withRequestId({supportedHandlers: METHODS}, requestId));
    } else if (method === "VKWebAppClose") {
      send(target, origin, "VKWebAppCloseResult", withRequestId({status: params.status || "success"}, requestId));
      close();
    } else {
      send(target, origin, method + "Failed", withRequestId({
        error_type: "client_error",
        error_data: {error_code: 6, error_reason: "Unsupported platform",
                     error_description: "Песочница VK не поддерживает этот метод"}
      }, requestId));
    }
  }

  window.addEventListener("message", function (event) {
    // Only the open app's frame speaks VK Bridge to us.
    if (!frame.contentWindow || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "vk-connect" || typeof data.handler !== "string") return;
    // A sandboxed or file:// frame has the opaque origin "null": it can be answered only with "*".
    appOrigin = event.origin && event.origin !== "null" ? event.origin : "*";
    var params = data.params && typeof data.params === "object" ? data.params : {};
    record("in", data.handler, params, event.origin);
    answer(event.source, appOrigin, data.handler, params);
  });

  dark.addEventListener("change", function () {
    layer.dataset.scheme = isDark() ? "dark" : "light";
    try {
      window.localStorage.setItem(SCHEME_KEY, isDark() ? "dark" : "light");
    } catch (e) { /* storage off: the choice lasts for this page */ }
    // An app that has not spoken yet will ask with VKWebAppGetConfig.
    if (appOrigin && frame.contentWindow) send(frame.contentWindow, appOrigin, "VKWebAppUpdateConfig", config());
  });

  function open(url, name) {
    var match = /\/app\/(\d+)/.exec(url);
    appId = match ? match[1] : "";
    appOrigin = null;
    title.textContent = name || "Мини-приложение";
    layer.dataset.scheme = isDark() ? "dark" : "light";
    frame.src = url;
    layer.hidden = false;
  }

  function close() {
    layer.hidden = true;
    appOrigin = null;
    frame.src = "about:blank";
  }

  document.getElementById("app-close").addEventListener("click", close);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !layer.hidden) close();
  });

  window.SandboxApps = {open: open, close: close};
})();
