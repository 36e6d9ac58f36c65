// The state machine editor (CodeMirror with the validator's diagnostics, the live graph, the settings and Save)
// and the state machine page (read-only definition, the Start execution dialog).
"use strict";

// CodeMirror's JSON mode with the addons the console vendors.
function codeEditor(textarea, extra) {
  return CodeMirror.fromTextArea(
    textarea,
    Object.assign(
      {
        mode: { name: "javascript", json: true },
        lineNumbers: true,
        matchBrackets: true,
        autoCloseBrackets: true,
        tabSize: 2,
        indentUnit: 2,
        lineWrapping: false,
        extraKeys: { Tab: (cm) => cm.execCommand("indentMore"), "Shift-Tab": (cm) => cm.execCommand("indentLess") },
      },
      extra || {}
    )
  );
}

// Calls `f` once `ms` have passed without another call.
function debounce(f, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => f(...args), ms);
  };
}

// The console's validator: asl's diagnostics with CodeMirror positions.
async function validateDefinition(text, type) {
  const response = await fetch("/console/validate?type=" + encodeURIComponent(type || "STANDARD"), {
    method: "POST",
    headers: { "Content-Type": "text/plain" },
    body: text,
  });
  return response.json();
}

(function editor() {
  const root = document.getElementById("editor");
  if (!root) return;
  const creating = root.dataset.mode === "create";
  const textarea = document.getElementById("definition");
  const nameInput = document.getElementById("machine-name");
  const typeSelect = document.getElementById("machine-type");
  const levelSelect = document.getElementById("logging-level");
  const saveError = document.getElementById("save-error");
  const diagnosticsList = document.getElementById("diagnostics");
  const parseState = document.getElementById("parse-state");
  const graphBox = document.getElementById("graph");
  const graphState = document.getElementById("graph-state");

  let imported = false;
  if (root.dataset.import) {
    const text = sessionStorage.getItem("stepstone-import");
    if (text !== null) {
      textarea.value = text;
      imported = true;
      if (creating && !nameInput.value) nameInput.value = sessionStorage.getItem("stepstone-import-name") || "";
      sessionStorage.removeItem("stepstone-import");
      sessionStorage.removeItem("stepstone-import-name");
    }
  }

  let lastReport = null;
  const cm = codeEditor(textarea, {
    gutters: ["CodeMirror-lint-markers", "CodeMirror-linenumbers"],
    lint: { delay: 300, getAnnotations: lint },
  });
  root.codeMirror = cm;
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  });

  // The validator's diagnostics as lint annotations, and listed under the editor.
  async function lint(text) {
    let report;
    try {
      report = await validateDefinition(text, typeSelect.value);
    } catch (error) {
      parseState.textContent = "The validator did not answer: " + error.message;
      return [];
    }
    lastReport = report;
    showDiagnostics(report);
    return report.diagnostics.map((d) => ({
      from: CodeMirror.Pos(d.from.line, d.from.ch),
      to: CodeMirror.Pos(d.to.line, d.to.ch),
      message: `${d.code}: ${d.message}` + (d.location ? ` at ${d.location}` : ""),
      severity: d.severity === "ERROR" ? "error" : "warning",
    }));
  }

  function showDiagnostics(report) {
    diagnosticsList.replaceChildren();
    const errors = report.diagnostics.filter((d) => d.severity === "ERROR").length;
    parseState.textContent = report.valid ? "Valid" : `${errors} problem${errors === 1 ? "" : "s"}`;
    parseState.className = report.valid ? "ok" : "bad";
    for (const d of report.diagnostics) {
      const item = document.createElement("li");
      item.className = d.severity === "ERROR" ? "error" : "warning";
      const link = document.createElement("button");
      link.type = "button";
      link.className = "link";
      link.textContent = `Line ${d.from.line + 1}, column ${d.from.ch + 1}`;
      link.addEventListener("click", () => {
        cm.focus();
        cm.setSelection(CodeMirror.Pos(d.from.line, d.from.ch), CodeMirror.Pos(d.to.line, d.to.ch));
      });
      const code = document.createElement("code");
      code.textContent = d.code;
      item.append(link, " ", code, " ", d.message + (d.location ? ` at ${d.location}` : ""));
      diagnosticsList.append(item);
    }
  }

  // The graph follows the text; the last good one stays while the text is not JSON.
  let graphRequest = 0;
  const redraw = debounce(async () => {
    const id = ++graphRequest;
    try {
      const response = await fetch("/console/graph", {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: cm.getValue(),
      });
      const text = await response.text();
      if (id !== graphRequest) return;
      if (response.ok) {
        graphBox.innerHTML = text;
        graphState.textContent = "";
        graphBox.classList.remove("stale");
      } else {
        graphState.textContent = "Not JSON (" + text + "): showing the last graph";
        graphBox.classList.add("stale");
      }
    } catch (error) {
      graphState.textContent = "The graph did not update: " + error.message;
    }
  }, 300);
  cm.on("change", redraw);
  typeSelect.addEventListener("change", () => cm.performLint());

  // Tags: rows of key and value.
  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    if (button.dataset.action === "add-tag") {
      const row = document.getElementById("tag-row").content.firstElementChild.cloneNode(true);
      document.getElementById("tags").append(row);
      row.querySelector("input").focus();
    } else if (button.dataset.action === "remove-tag") {
      button.closest(".tag-row").remove();
    } else if (button.dataset.action === "save") {
      save();
    }
  });

  function tags() {
    const out = [];
    for (const row of document.querySelectorAll("#tags .tag-row")) {
      const key = row.querySelector(".tag-key").value.trim();
      if (key) out.push({ key, value: row.querySelector(".tag-value").value });
    }
    return out;
  }

  function logging(name) {
    const level = levelSelect.value;
    if (level === "OFF") return { level: "OFF" };
    let destinations = [];
    try {
      destinations = JSON.parse(root.dataset.destinations || "[]");
    } catch (_) {}
    if (!destinations.length) {
      const group = `arn:aws:logs:${root.dataset.region}:${root.dataset.account}:log-group:/aws/vendedlogs/states/${name}-Logs:*`;
      destinations = [{ cloudWatchLogsLogGroup: { logGroupArn: group } }];
    }
    return { level, includeExecutionData: true, destinations };
  }

  let saving = false;
  async function save() {
    if (saving) return;
    saving = true;
    showAlert(saveError, "");
    const name = nameInput.value.trim();
    const definition = cm.getValue();
    try {
      if (!name) throw new Error("Not saved: the state machine needs a name.");
      const report = await validateDefinition(definition, typeSelect.value);
      lastReport = report;
      showDiagnostics(report);
      cm.performLint();
      if (!report.valid) throw new Error("Not saved: the definition is invalid. " + report.message);
      if (creating) {
        const request = { name, definition, roleArn: "arn:aws:iam::123456789012:role/stepstone", type: typeSelect.value };
        if (levelSelect.value !== "OFF") request.loggingConfiguration = logging(name);
        const list = tags();
        if (list.length) request.tags = list;
        await aws("CreateStateMachine", request);
      } else {
        const arn = root.dataset.arn;
        await aws("UpdateStateMachine", { stateMachineArn: arn, definition, loggingConfiguration: logging(name) });
        const now = tags();
        const before = Object.keys(JSON.parse(root.dataset.originalTags || "{}"));
        const gone = before.filter((key) => !now.some((t) => t.key === key));
        if (gone.length) await aws("UntagResource", { resourceArn: arn, tagKeys: gone });
        if (now.length) await aws("TagResource", { resourceArn: arn, tags: now });
      }
      location.href = "/machines/" + segment(name);
    } catch (error) {
      showAlert(saveError, error.message);
      saving = false;
    }
  }
  root.save = save;
  if (lastReport === null) cm.performLint();
  if (imported) {
    // The page drew the blank definition: not a graph of the imported text.
    graphBox.replaceChildren();
    redraw();
  }
})();

(function machinePage() {
  const root = document.getElementById("machine");
  if (!root) return;
  const view = document.getElementById("definition-view");
  if (view) codeEditor(view, { readOnly: true });
  const dialog = document.getElementById("start-dialog");
  const errorBox = document.getElementById("start-error");
  let input = null;

  function open(prefill) {
    showAlert(errorBox, "");
    dialog.showModal();
    if (!input) {
      input = codeEditor(document.getElementById("execution-input"));
      input.setSize(null, 220);
      dialog.inputEditor = input;
    }
    if (prefill !== undefined) input.setValue(prefill);
    input.refresh();
    document.getElementById("execution-name").focus();
  }

  async function start() {
    showAlert(errorBox, "");
    const request = { stateMachineArn: root.dataset.arn, input: input.getValue() };
    const name = document.getElementById("execution-name").value.trim();
    if (name) request.name = name;
    try {
      const reply = await aws("StartExecution", request);
      const executionName = reply.executionArn.split(":").pop();
      location.href = "/executions/" + segment(root.dataset.name) + "/" + segment(executionName);
    } catch (error) {
      showAlert(errorBox, error.message);
    }
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    if (button.dataset.action === "start") open();
    else if (button.dataset.action === "start-execution") start();
  });
  dialog.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") start();
  });

  // `?start=1` (the input waiting in sessionStorage, left by an execution page's New execution) or
  // `?input=JSON` opens the dialog prefilled.
  const given = new URLSearchParams(location.search).get("input");
  if (root.dataset.openStart || given !== null) {
    const prefill = given !== null ? given : sessionStorage.getItem("stepstone-start-input");
    sessionStorage.removeItem("stepstone-start-input");
    open(prefill === null ? undefined : prefill);
  }
})();
