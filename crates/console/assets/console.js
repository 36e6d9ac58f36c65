// The console's shared script: the Step Functions API call every page's actions use, and the theme.
"use strict";

// Calls a Step Functions API action on this server; resolves to the reply, or throws an Error whose
// message is AWS's `__type: message`.
async function aws(action, body) {
  const response = await fetch("/", {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action },
    body: JSON.stringify(body || {}),
  });
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((reply.__type || response.status) + ": " + (reply.message || response.statusText));
    error.type = reply.__type;
    throw error;
  }
  return reply;
}

(function theme() {
  const saved = localStorage.getItem("stepstone-theme");
  const dark = saved ? saved === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-action=theme]")) {
      const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      localStorage.setItem("stepstone-theme", next);
    }
  });
})();
