// The execution page and the task inbox: the graph kept live while an execution runs, a state's
// panel drawn from the trace, the Map iteration pickers, the page's buttons, and the inbox's
// Approve and Reject forms. Every change goes through aws() (console.js). Text is set with
// textContent only, never parsed as HTML, except the server's own fragments.
"use strict";

// An element with attributes and children (strings become text nodes).
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A JSON text pretty-printed, or as it is.
function pretty(text) {
  if (text === null || text === undefined) return "—";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (_) {
    return String(text);
  }
}

// `assignedVariables` (each value a JSON text) as one JSON text of the values.
function assignedJson(text) {
  if (!text) return undefined;
  try {
    const out = {};
    for (const [name, value] of Object.entries(JSON.parse(text))) {
      try {
        out[name] = JSON.parse(value);
      } catch (_) {
        out[name] = value;
      }
    }
    return JSON.stringify(out);
  } catch (_) {
    return text;
  }
}

function when(ms) {
  return ms === null || ms === undefined ? "—" : new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

function lasting(ms) {
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(3) + " s";
  return Math.floor(ms / 60000) + " min " + Math.floor((ms % 60000) / 1000) + " s";
}

function say(text, isError) {
  const message = document.getElementById("message");
  if (!message) return;
  message.textContent = text;
  message.classList.toggle("error", !!isError);
}

(function executionPage() {
  const root = document.getElementById("execution");
  if (!root) return;
  const page = {
    arn: root.dataset.arn,
    machine: root.dataset.machine,
    name: root.dataset.name,
    status: root.dataset.status,
    trace: JSON.parse(root.dataset.trace || "{}"),
    states: JSON.parse(root.dataset.states || "{}"),
    selection: parseSelection(root.dataset.sel || ""),
    selected: null,
    run: null,
  };
  const base = "/console/executions/" + encodeURIComponent(page.machine) + "/" + encodeURIComponent(page.name);

  function parseSelection(text) {
    const out = {};
    for (const part of text.split(",")) {
      const at = part.lastIndexOf(":");
      if (at > 0 && /^\d+$/.test(part.slice(at + 1))) out[part.slice(0, at)] = Number(part.slice(at + 1));
    }
    return out;
  }

  function selectionText() {
    return Object.entries(page.selection).map(([m, i]) => m + ":" + i).join(",");
  }

  // The runs of a state in the chosen iterations.
  function runsOf(name) {
    const runs = (page.trace.states || {})[name] || [];
    return runs.filter((run) => run.iterations.every(([m, i]) => !(m in page.selection) || page.selection[m] === i));
  }

  // Makes the states of the drawn graph focusable and marks the selected one.
  function prepareGraph() {
    for (const g of document.querySelectorAll("#graph g.state[data-state]")) {
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", "State " + g.dataset.state);
      g.classList.toggle("selected", g.dataset.state === page.selected);
    }
  }

  function query() {
    const params = new URLSearchParams(location.search);
    const out = new URLSearchParams();
    if (selectionText()) out.set("sel", selectionText());
    for (const key of ["page", "filter"]) if (params.get(key)) out.set(key, params.get(key));
    return out.toString();
  }

  // The Map iteration pickers, drawn again when a Map appears or grows while the execution runs.
  function renderPickers() {
    const box = document.getElementById("pickers");
    const maps = page.trace.maps || {};
    const text = JSON.stringify(maps);
    if (!box || box.dataset.maps === text) return;
    box.dataset.maps = text;
    box.replaceChildren(
      ...Object.entries(maps).map(([map, count]) => {
        if (count > 100) {
          const field = el("input", { type: "number", min: 0, max: count - 1, placeholder: "all", "data-map": map });
          if (map in page.selection) field.value = page.selection[map];
          return el("label", {}, "Map ", el("strong", {}, map), " iteration: ", field, " of " + count);
        }
        const picker = el("select", { "data-map": map }, el("option", { value: "" }, "all"));
        for (let i = 0; i < count; i++) picker.append(el("option", { value: i, selected: page.selection[map] === i }, i));
        return el("label", {}, "Map ", el("strong", {}, map), " iteration: ", picker);
      })
    );
  }

  let polling = null;
  let known = null;
  // Reads the page's live state; `quick`: only the summary when no event came since.
  async function refresh(quick) {
    const extra = quick && known !== null ? "&known=" + known : "";
    const response = await fetch(base + "/live?" + query() + extra, { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const live = await response.json();
    known = live.events;
    document.getElementById("summary").innerHTML = live.summary;
    if (live.unchanged) return live;
    page.trace = live.trace || {};
    document.getElementById("graph").innerHTML = live.svg;
    prepareGraph();
    const badge = document.getElementById("status");
    badge.textContent = live.status;
    badge.className = "badge status-" + live.status.toLowerCase().replace("_", "-");
    root.dataset.status = live.status;
    document.getElementById("io").innerHTML = live.io;
    document.getElementById("banner").innerHTML = live.banner;
    const history = document.getElementById("history");
    const open = [...history.querySelectorAll("tr[data-event] details[open]")].map((d) => d.closest("tr").dataset.event);
    history.innerHTML = live.history;
    for (const id of open) {
      const details = history.querySelector('tr[data-event="' + id + '"] details');
      if (details) details.open = true;
    }
    renderPickers();
    document.querySelector("[data-action=stop]").hidden = !live.running;
    document.querySelector("[data-action=redrive]").hidden = !live.redrivable;
    if (page.selected) renderPanel();
    return live;
  }

  function poll() {
    if (polling) return;
    polling = setInterval(async () => {
      try {
        const live = await refresh(true);
        if (!live.running) {
          clearInterval(polling);
          polling = null;
        }
      } catch (error) {
        say("Could not refresh: " + error.message, true);
      }
    }, 1000);
  }

  function select(name) {
    page.selected = name;
    page.run = null;
    prepareGraph();
    renderPanel();
  }

  function section(title, ...children) {
    return el("section", {}, el("h3", {}, title), ...children);
  }

  function json(text) {
    return el("pre", { class: "json" }, pretty(text));
  }

  // One data-flow stage: its field in the definition (if any), and the value history recorded.
  function stage(label, field, value, note) {
    return el(
      "div",
      { class: "stage" },
      el("h4", {}, label, note ? el("small", {}, " " + note) : null),
      field === undefined ? null : el("pre", { class: "field" }, JSON.stringify(field, null, 2)),
      value === undefined ? null : json(value)
    );
  }

  function renderPanel() {
    const panel = document.getElementById("panel");
    const name = page.selected;
    if (!name) {
      panel.hidden = true;
      return;
    }
    const info = page.states[name] || { type: "?", jsonata: false, fields: {} };
    const runs = runsOf(name);
    const index = page.run === null || page.run >= runs.length ? runs.length - 1 : page.run;
    const run = runs[index];
    const close = el("button", { type: "button", class: "close", "data-action": "close-panel", title: "Close (Esc)" }, "×");
    const parts = [el("div", { class: "panel-head" }, el("h2", {}, name), close)];
    parts.push(el("p", { class: "kind" }, info.type + (info.jsonata ? " · JSONata" : " · JSONPath")));
    if (!run) {
      parts.push(el("p", { class: "status state-not-started" }, "Not started" + (Object.keys(page.selection).length ? " in the chosen iteration" : "")));
      panel.replaceChildren(...parts);
      panel.hidden = false;
      return;
    }
    parts.push(el("p", {}, el("span", { class: "status-chip state-" + run.status }, run.status.replace("-", " "))));
    if (runs.length > 1) {
      const picker = el("select", { "data-action": "pick-run", "aria-label": "Run" });
      runs.forEach((r, i) => {
        const where = r.iterations.map(([m, k]) => m + " #" + k).join(", ");
        picker.append(el("option", { value: i, selected: i === index }, "Run " + (i + 1) + (where ? " (" + where + ")" : "") + " — " + r.status));
      });
      parts.push(el("label", { class: "runs" }, runs.length + " runs: ", picker));
    }
    const timing = el(
      "dl",
      { class: "timing" },
      el("dt", {}, "Entered"),
      el("dd", {}, when(run.entered)),
      el("dt", {}, run.exited || run.status === "in-progress" ? "Exited" : "Ended (" + run.status.replace("-", " ") + ")"),
      el("dd", {}, run.status === "in-progress" ? "—" : when(run.exited || run.last)),
      el("dt", {}, "Duration"),
      el("dd", {}, run.status === "in-progress" ? lasting(Date.now() - run.entered) + " so far" : lasting((run.exited || run.last) - run.entered))
    );
    parts.push(section("Timing", timing));
    if (run.error || run.cause) {
      parts.push(
        el(
          "section",
          { class: "error-box" },
          el("h3", {}, "Error"),
          el("p", { class: "error-name" }, run.error || ""),
          run.cause ? el("pre", { class: "cause" }, pretty(run.cause)) : null
        )
      );
    }
    if (run.retries.length) {
      parts.push(
        section(
          "Retries (" + run.retries.length + ")",
          el(
            "ol",
            { class: "retries" },
            run.retries.map((r) =>
              el(
                "li",
                {},
                el("strong", {}, r.error || "error"),
                r.cause ? ": " + r.cause : "",
                el("br"),
                el("small", {}, "failed " + when(r.failed) + (r.redriven ? ", redriven " : ", retried ") + when(r.retried) + " (after " + lasting(r.retried - r.failed) + ")")
              )
            )
          )
        )
      );
    }
    const attempt = run.attempts.length ? run.attempts[run.attempts.length - 1] : null;
    const f = info.fields || {};
    const flow = [];
    flow.push(stage("State input", undefined, run.input, "(recorded)"));
    if (info.jsonata) {
      if (attempt || "Arguments" in f) flow.push(stage("Arguments", f.Arguments, attempt ? attempt.parameters : undefined, attempt ? "(the task's request, recorded)" : ""));
      if (attempt) flow.push(stage("Task result", undefined, attempt.output === null ? undefined : attempt.output, "(recorded)"));
      flow.push(stage("Output", f.Output, run.output === null ? undefined : run.output, "(recorded)"));
      if ("Assign" in f || run.assigned) flow.push(stage("Assign", f.Assign, assignedJson(run.assigned), run.assigned ? "(variables assigned, recorded)" : ""));
    } else {
      if ("InputPath" in f) flow.push(stage("InputPath", f.InputPath, undefined));
      const params = f.Parameters || f.ItemSelector;
      if (attempt || params !== undefined)
        flow.push(stage(f.ItemSelector ? "ItemSelector" : "Parameters", params, attempt ? attempt.parameters : undefined, attempt ? "(after InputPath and Parameters: the task's request, recorded)" : ""));
      if (attempt) flow.push(stage("Task result", undefined, attempt.output === null ? undefined : attempt.output, "(recorded)"));
      for (const key of ["ResultSelector", "ResultPath", "OutputPath"]) if (key in f) flow.push(stage(key, f[key], undefined));
      flow.push(stage("State output", undefined, run.output === null ? undefined : run.output, "(after ResultSelector, ResultPath and OutputPath, recorded)"));
      if ("Assign" in f || run.assigned) flow.push(stage("Assign", f.Assign, assignedJson(run.assigned), run.assigned ? "(recorded)" : ""));
    }
    const flowBox = el("div", { class: "flow" }, flow);
    parts.push(section("Data flow", flowBox));
    if (run.length !== null && run.length !== undefined) {
      const items = Object.entries(run.iteration_status).map(([i, status]) =>
        el("li", {}, el("button", { type: "button", class: "iteration state-" + status, "data-map": name, "data-index": i, title: status }, i))
      );
      parts.push(section("Iterations (" + run.length + ")", el("ul", { class: "iterations" }, items)));
    }
    if (run.attempts.length) {
      parts.push(
        section(
          "Attempts",
          el(
            "ol",
            { class: "attempts" },
            run.attempts.map((a) =>
              el(
                "li",
                {},
                el("code", {}, a.resource || ""),
                " scheduled " + when(a.scheduled),
                a.submitted ? ", submitted " + when(a.submitted) : "",
                a.ended ? ", ended " + when(a.ended) : ", not ended",
                a.error ? el("span", { class: "error" }, " — " + a.error) : ""
              )
            )
          )
        )
      );
    }
    panel.replaceChildren(...parts);
    panel.hidden = false;
    recomputed(name, run, info, attempt, flowBox);
  }

  // The stages between input and output, recomputed by the server with the engine's TestState
  // (the recorded task result as the mock), drawn over the recorded ones when they come.
  const stagesCache = new Map();
  async function recomputed(name, run, info, attempt, box) {
    const all = (page.trace.states || {})[name] || [];
    const index = all.findIndex((r) => r.events[0] === run.events[0]);
    if (index < 0 || run.status === "in-progress") return;
    const key = name + "\u0000" + index;
    let answer = stagesCache.get(key);
    if (!answer) {
      const url = base + "/stages?state=" + encodeURIComponent(name) + "&run=" + index;
      const response = await fetch(url, { cache: "no-store" }).catch(() => null);
      if (!response) return;
      answer = await response.json().catch(() => ({}));
      answer.ok = response.ok;
      stagesCache.set(key, answer);
    }
    if (page.selected !== name || !box.isConnected) return;
    if (!answer.ok) {
      box.append(el("p", { class: "note" }, answer.message || "The stages could not be recomputed."));
      return;
    }
    const got = Object.fromEntries(answer.stages);
    const f = info.fields || {};
    const note = "(recomputed with TestState)";
    const flow = [stage("State input", undefined, run.input, "(recorded)")];
    if (info.jsonata) {
      if ("afterArguments" in got) flow.push(stage("Arguments", f.Arguments, got.afterArguments, note));
      if (attempt) flow.push(stage("Task result", undefined, attempt.output || undefined, "(recorded)"));
      flow.push(stage("Output", f.Output, answer.output === null ? undefined : answer.output, note));
      if ("Assign" in f || run.assigned) flow.push(stage("Assign", f.Assign, assignedJson(run.assigned), run.assigned ? "(recorded)" : ""));
    } else {
      if ("afterInputPath" in got) flow.push(stage("InputPath", f.InputPath, got.afterInputPath, note));
      if ("afterParameters" in got) flow.push(stage("Parameters", f.Parameters, got.afterParameters, note));
      if ("result" in got) flow.push(stage("Result", undefined, got.result, attempt ? "(the task's recorded result)" : note));
      if ("afterResultSelector" in got) flow.push(stage("ResultSelector", f.ResultSelector, got.afterResultSelector, note));
      if ("afterResultPath" in got) flow.push(stage("ResultPath", f.ResultPath, got.afterResultPath, note));
      flow.push(stage("OutputPath → state output", f.OutputPath, answer.output === null ? undefined : answer.output, note));
      if ("Assign" in f || run.assigned) flow.push(stage("Assign", f.Assign, assignedJson(run.assigned), run.assigned ? "(recorded)" : ""));
    }
    if (!answer.matches) {
      flow.push(el("p", { class: "note error" }, "The recomputed output differs from the recorded output " +
        "(the state may read variables or context the history does not keep): the recorded one is " + pretty(run.output)));
    }
    box.replaceChildren(...flow);
    box.dataset.recomputed = "true";
  }

  function choose(map, index) {
    if (index === "" || index === null) delete page.selection[map];
    else page.selection[map] = Number(index);
    const picker = document.querySelector('#pickers [data-map="' + CSS.escape(map) + '"]');
    if (picker) picker.value = index === null ? "" : String(index);
    history.replaceState(null, "", "?" + query() + location.hash);
    page.run = null;
    refresh().catch((error) => say("Could not redraw: " + error.message, true));
  }

  document.addEventListener("click", async (event) => {
    const state = event.target.closest("#graph g.state[data-state]");
    if (state) return select(state.dataset.state);
    const link = event.target.closest("[data-select-state]");
    if (link) {
      event.preventDefault();
      select(link.dataset.selectState);
      document.getElementById("panel").scrollIntoView({ behavior: "smooth", block: "nearest" });
      document.getElementById("panel").focus({ preventScroll: true });
      return;
    }
    const iteration = event.target.closest("button.iteration[data-map]");
    if (iteration) return choose(iteration.dataset.map, iteration.dataset.index);
    const action = event.target.closest("[data-action]");
    if (!action) return;
    switch (action.dataset.action) {
      case "close-panel":
        page.selected = null;
        prepareGraph();
        renderPanel();
        break;
      case "stop":
        if (!confirm("Stop this execution?")) return;
        try {
          await aws("StopExecution", { executionArn: page.arn });
          say("Stopped.");
          await refresh();
        } catch (error) {
          say(error.message, true);
        }
        break;
      case "redrive":
        try {
          await aws("RedriveExecution", { executionArn: page.arn });
          say("Redriven: the execution runs again from where it failed.");
          await refresh();
          poll();
        } catch (error) {
          say(error.message, true);
        }
        break;
      case "new-execution":
        sessionStorage.setItem("stepstone-start-input", root.dataset.input || "{}");
        location.href = "/machines/" + encodeURIComponent(page.machine) + "?start=1";
        break;
      case "download-svg": {
        const svg = document.querySelector("#graph svg");
        if (!svg) return;
        const blob = new Blob(['<?xml version="1.0" encoding="UTF-8"?>\n' + svg.outerHTML], { type: "image/svg+xml" });
        const a = el("a", { href: URL.createObjectURL(blob), download: page.name + ".svg" });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 1000);
        break;
      }
    }
  });

  document.addEventListener("change", (event) => {
    const picker = event.target.closest("#pickers [data-map]");
    if (picker) {
      const value = picker.value.trim();
      return choose(picker.dataset.map, /^\d+$/.test(value) ? value : null);
    }
    const run = event.target.closest("select[data-action=pick-run]");
    if (run) {
      page.run = Number(run.value);
      renderPanel();
    }
  });

  document.addEventListener("keydown", (event) => {
    const state = event.target.closest && event.target.closest("#graph g.state[data-state]");
    if (state && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(state.dataset.state);
    } else if (event.key === "Escape" && page.selected) {
      page.selected = null;
      prepareGraph();
      renderPanel();
    }
  });

  prepareGraph();
  if (location.hash.startsWith("#state=")) select(decodeURIComponent(location.hash.slice(7)));
  if (page.status === "RUNNING") poll();
})();

(function inbox() {
  const list = document.querySelector("ul.inbox");
  if (!list) return;

  function empty() {
    document.getElementById("inbox-empty").hidden = !!list.querySelector("li.task");
  }

  function done(item, text) {
    item.remove();
    say(text);
    empty();
  }

  // Tasks come and go while the page is open: every 3 s the list is read again, new tasks are
  // added and answered or ended ones removed, leaving the forms being filled in alone.
  const answered = new Set();
  setInterval(async () => {
    const response = await fetch("/console/inbox", { cache: "no-store" }).catch(() => null);
    if (!response || !response.ok) return;
    const fresh = document.createElement("template");
    fresh.innerHTML = await response.text();
    const items = [...fresh.content.querySelectorAll("li.task")];
    const tokens = new Set(items.map((li) => li.dataset.token));
    for (const li of [...list.querySelectorAll("li.task")]) {
      if (!tokens.has(li.dataset.token)) li.remove();
    }
    const shown = new Set([...list.querySelectorAll("li.task")].map((li) => li.dataset.token));
    for (const li of items) {
      if (!shown.has(li.dataset.token) && !answered.has(li.dataset.token)) list.append(li);
    }
    empty();
  }, 3000);

  list.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const item = form.closest("li.task");
    const token = item.dataset.token;
    const state = "state " + item.querySelector(".state-name").textContent + " of " + item.querySelector(".task-head a").textContent;
    const button = form.querySelector("button");
    button.disabled = true;
    answered.add(token);
    try {
      if (form.classList.contains("approve")) {
        const output = form.elements.output.value;
        try {
          JSON.parse(output);
        } catch (error) {
          throw new Error("The output is not JSON: " + error.message);
        }
        await aws("SendTaskSuccess", { taskToken: token, output });
        done(item, "Approved: SendTaskSuccess sent to " + state + ".");
      } else {
        const body = { taskToken: token };
        if (form.elements.error.value) body.error = form.elements.error.value;
        if (form.elements.cause.value) body.cause = form.elements.cause.value;
        await aws("SendTaskFailure", body);
        done(item, "Rejected: SendTaskFailure sent to " + state + ".");
      }
    } catch (error) {
      say(error.message, true);
      button.disabled = false;
      answered.delete(token);
    }
  });
})();
