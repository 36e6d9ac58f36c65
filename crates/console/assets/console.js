// The console's shared script: the Step Functions API call every page's actions use, the theme, keyboard
// shortcuts, and the actions of the state machines list and the activities page.
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

// Shows `message` in the alert box `element` (or hides it when empty).
function showAlert(element, message) {
  if (!element) return;
  element.textContent = message || "";
  element.hidden = !message;
}

// A short note at the bottom of the page that fades away.
function toast(message) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove("shown"), 3000);
}

// The path segment of a name in a console URL.
function segment(name) {
  return encodeURIComponent(name);
}

(function theme() {
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-action=theme]")) {
      const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      localStorage.setItem("stepstone-theme", next);
    }
  });
})();

// Keyboard: `/` focuses the page's search, `n` opens Create on the list. Not while typing.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  const typing =
    target.closest && (target.closest("input, textarea, select, [contenteditable], .CodeMirror") || target.isContentEditable);
  if (typing || document.querySelector("dialog[open]")) return;
  if (event.key === "/") {
    const search = document.querySelector("[data-search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  } else if (event.key === "n") {
    const create = document.querySelector("[data-action=create]");
    if (create) {
      event.preventDefault();
      create.click();
    }
  }
});

// A status filter submits its form when changed.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});

// Buttons of the list and activities pages.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  switch (button.dataset.action) {
    case "create": {
      const dialog = document.getElementById("create-dialog");
      if (dialog) dialog.showModal();
      else location.href = "/create";
      break;
    }
    case "import":
      document.getElementById("import-file").click();
      break;
    case "delete-machine": {
      const name = button.dataset.name;
      if (!confirm(`Delete the state machine “${name}”? Its executions are kept.`)) return;
      button.disabled = true;
      try {
        await aws("DeleteStateMachine", { stateMachineArn: button.dataset.arn });
        if (button.dataset.then) location.href = button.dataset.then;
        else location.reload();
      } catch (error) {
        button.disabled = false;
        alert(error.message);
      }
      break;
    }
    case "delete-activity": {
      if (!confirm(`Delete the activity “${button.dataset.name}”?`)) return;
      button.disabled = true;
      try {
        await aws("DeleteActivity", { activityArn: button.dataset.arn });
        location.reload();
      } catch (error) {
        button.disabled = false;
        showAlert(document.getElementById("activity-error"), error.message);
      }
      break;
    }
  }
});

// Import: the chosen file's text goes to the editor through sessionStorage.
document.addEventListener("change", async (event) => {
  if (event.target.id !== "import-file") return;
  const file = event.target.files[0];
  if (!file) return;
  const text = await file.text();
  sessionStorage.setItem("stepstone-import", text);
  sessionStorage.setItem("stepstone-import-name", file.name.replace(/\.(asl\.)?json$/i, "").replace(/[^\w-]/g, "-"));
  location.href = "/create?import=1";
});

// Activities: create.
document.addEventListener("submit", async (event) => {
  if (event.target.id !== "activity-form") return;
  event.preventDefault();
  const name = document.getElementById("activity-name").value.trim();
  try {
    await aws("CreateActivity", { name });
    location.reload();
  } catch (error) {
    showAlert(document.getElementById("activity-error"), error.message);
  }
});
