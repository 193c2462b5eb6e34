// Песочница VK: sends messages, presses bot buttons and keeps the page live (long poll).
(function () {
  "use strict";
  var root = document.getElementById("messenger");
  if (!root) return;
  var userId = root.dataset.user;
  var peer = root.dataset.peer;
  var via = root.dataset.via;
  var version = Number(root.dataset.version);
  var base = "/chat/" + userId;
  var thread = document.getElementById("thread");
  var keyboard = document.getElementById("keyboard");
  var sidebar = document.getElementById("sidebar");
  var toast = document.getElementById("toast");
  var toastTimer = null;

  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  function showToast(text, isError, link) {
    toast.textContent = text;
    toast.classList.toggle("error", !!isError);
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.target = "_blank"; a.rel = "noopener"; a.textContent = "Открыть";
      toast.appendChild(a);
    }
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 4000);
  }

  function nearBottom() {
    return !thread || thread.scrollHeight - thread.scrollTop - thread.clientHeight < 120;
  }
  function toBottom() { if (thread) thread.scrollTop = thread.scrollHeight; }

  function apply(data) {
    var stick = nearBottom();
    version = data.version;
    if (sidebar && data.sidebar !== undefined) sidebar.innerHTML = data.sidebar;
    if (thread && data.thread !== undefined) thread.innerHTML = data.thread;
    if (keyboard && data.keyboard !== undefined) keyboard.innerHTML = data.keyboard;
    if (stick) toBottom();
  }

  function refresh(wait) {
    var query = "?v=" + (wait ? version : -1) + "&wait=" + (wait ? 25 : 0) + "&via=" + via;
    if (peer) query += "&peer=" + encodeURIComponent(peer);
    return fetch(base + "/updates" + query).then(function (r) { return r.json(); }).then(apply);
  }

  function poll() {
    refresh(true).then(poll, function () { setTimeout(poll, 1500); });
  }

  function send(text, payload, fromKeyboard) {
    return post("/send", {peer_id: Number(peer), text: text, payload: payload || null,
                          from_keyboard: !!fromKeyboard, via: via})
      .then(function (answer) {
        if (!answer.ok) showToast(answer.error || "Не удалось отправить", !answer.queued);
        return refresh(false);
      });
  }

  // A mini-app opens in a frame over the chat (vk_bridge_host.js answers its VK Bridge calls).
  function openApp(url, name) {
    if (window.SandboxApps) { window.SandboxApps.open(url, name); return true; }
    return !!window.open(url, "_blank");
  }

  function waitForAnswer(eventId, button) {
    fetch(base + "/events/" + eventId + "?wait=10")
      .then(function (r) { return r.json(); })
      .then(function (result) {
        button.classList.remove("busy");
        var data = result.event_data;
        if (!data) return;
        if (data.type === "show_snackbar") showToast(data.text);
        else if (data.type === "open_link") {
          if (!window.open(data.link, "_blank", "noopener")) showToast("Бот предлагает ссылку", false, data.link);
        } else if (data.type === "open_app") {
          var url = base + "/app/" + data.app_id + "?peer=" + encodeURIComponent(peer) +
            "&owner_id=" + (data.owner_id || "") + (data.hash ? "&hash=" + encodeURIComponent(data.hash) : "");
          if (!openApp(url, "")) showToast("Бот предлагает мини-приложение", false, url);
        }
      }, function () { button.classList.remove("busy"); });
  }

  document.addEventListener("click", function (event) {
    var appLink = event.target.closest("a.kb-btn[data-kind=open_app]");
    if (appLink && window.SandboxApps && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      openApp(appLink.href, appLink.dataset.appTitle);
      return;
    }
    var button = event.target.closest("button.kb-btn[data-kind]");
    if (button && !button.disabled) {
      var kind = button.dataset.kind;
      if (kind === "text") {
        send(button.dataset.label, button.dataset.payload, true);
      } else if (kind === "callback") {
        button.classList.add("busy");
        post("/press", {peer_id: Number(peer), cmid: Number(button.dataset.cmid) || null,
                        payload: button.dataset.payload || null, label: button.dataset.label})
          .then(function (answer) {
            if (!answer.ok) { button.classList.remove("busy"); showToast(answer.error, true); return; }
            waitForAnswer(answer.event_id, button);
          });
      }
      return;
    }
    var answer = event.target.closest("button.request-answer");
    if (answer) {
      post("/requests/" + answer.dataset.sender, {action: answer.dataset.action}).then(function () { refresh(false); });
      return;
    }
    var permission = event.target.closest("button.permission");
    if (permission) {
      post("/communities/" + permission.dataset.group, {allow: permission.dataset.allow === "1"})
        .then(function () { window.location.reload(); });
    }
  });

  var composer = document.getElementById("composer");
  if (composer) {
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("text");
      var text = input.value;
      if (!text.trim()) return;
      input.value = "";
      send(text, null, false);
    });
  }

  toBottom();
  poll();
})();
