// The nlpdive playground: one panel per loaded model, calling the server's own HTTP API (no build step, no CDN).
// Model output is always inserted as text (textContent), never as HTML.
"use strict";

const state = { key: null };

function readKey() {
  const params = new URLSearchParams(location.search);
  if (params.get("key")) {
    sessionStorage.setItem("nlpdive-key", params.get("key"));
    history.replaceState(null, "", location.pathname);  // keep the key out of the address bar and history
  }
  state.key = sessionStorage.getItem("nlpdive-key");
}

function headers() {
  const h = { "Content-Type": "application/json" };
  if (state.key) h.Authorization = "Bearer " + state.key;
  return h;
}

class ApiError extends Error {}

async function api(path, body, signal) {
  const response = await fetch(path, body === undefined ? { headers: headers(), signal }
    : { method: "POST", headers: headers(), body: JSON.stringify(body), signal });
  if (response.status === 401) askForKey();
  if (!response.ok) throw new ApiError(await errorText(response));
  return response;
}

async function errorText(response) {
  try { return (await response.json()).error || response.statusText; } catch (e) { return response.statusText; }
}

function askForKey() {
  const form = document.getElementById("key-form");
  form.hidden = false;
  document.getElementById("status").textContent = "this server needs an API key";
}

// Server-sent events from a POST (EventSource only does GET): yields {event, data} as they arrive.
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data) yield { event, data: JSON.parse(data) };
    }
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function panel(kind, model) {
  const node = document.getElementById(kind).content.firstElementChild.cloneNode(true);
  node.dataset.model = model.name;
  node.querySelector(".name").textContent = model.name;
  node.querySelector(".task").textContent = model.task + ": " + model.verbs.join(", ");
  for (const input of node.querySelectorAll("input[type=range]")) {
    const show = () => { input.nextElementSibling.textContent = input.value; };
    input.addEventListener("input", show);
    show();
  }
  return node;
}

function showError(node, message) {
  const p = node.querySelector(".error");
  p.hidden = !message;
  p.textContent = message || "";
}

async function busy(node, button, work) {
  showError(node, "");
  button.disabled = true;
  node.dataset.state = "running";
  try { await work(); node.dataset.state = "done"; }
  catch (e) { if (e.name !== "AbortError") showError(node, e.message); node.dataset.state = "error"; }
  finally { button.disabled = false; }
}

// -- classify: probability bars, likeliest first
function classifyPanel(model) {
  const node = panel("classify", model);
  const run = node.querySelector(".run");
  run.addEventListener("click", () => busy(node, run, async () => {
    const text = node.querySelector(".input").value;
    const answer = await (await api(`/v1/models/${model.name}/predict`, { texts: [text] })).json();
    drawBars(node.querySelector(".result"), answer.predictions[0]);
  }));
  return node;
}

function drawBars(target, prediction) {
  target.replaceChildren();
  const chosen = new Set(prediction.labels || [prediction.label]);
  const rows = Object.entries(prediction.probabilities).sort((x, y) => y[1] - x[1]);
  for (const [label, p] of rows) {
    const row = el("div", "bar" + (chosen.has(label) ? " top" : ""));
    row.dataset.label = label;
    row.dataset.p = String(p);
    const track = el("div", "track");
    const fill = el("div", "fill");
    fill.style.width = (100 * p).toFixed(1) + "%";
    track.append(fill);
    row.append(el("span", "label", label), track, el("span", "value", p.toFixed(3)));
    target.append(row);
  }
}

// -- generate: sliders, text streamed as it comes
function generatePanel(model) {
  const node = panel("generate", model);
  const run = node.querySelector(".run"), stop = node.querySelector(".stop");
  let controller = null;
  stop.addEventListener("click", () => controller && controller.abort());
  run.addEventListener("click", () => busy(node, run, async () => {
    const out = node.querySelector(".result");
    const prompt = node.querySelector(".input").value;
    const value = (name) => Number(node.querySelector("." + name).value);
    const body = { prompt, stream: true, temperature: value("temperature"), top_p: value("top_p"),
                   max_tokens: value("max_tokens") };
    if (value("top_k") > 0) body.top_k = value("top_k");
    controller = new AbortController();
    stop.disabled = false;
    out.textContent = prompt;
    try {
      const response = await api(`/v1/models/${model.name}/generate`, body, controller.signal);
      for await (const { event, data } of events(response)) {
        if (event === "error") throw new ApiError(data.error);
        if (event === "message" && data.sample === 0) out.textContent += data.text;
      }
    } finally { stop.disabled = true; controller = null; }
  }));
  return node;
}

// -- translate: each translation and its attention map (a table shaded by weight)
function translatePanel(model) {
  const node = panel("translate", model);
  const run = node.querySelector(".run");
  run.addEventListener("click", () => busy(node, run, async () => {
    const texts = node.querySelector(".input").value.split("\n").map((t) => t.trim()).filter(Boolean);
    if (!texts.length) throw new ApiError("type a sentence to translate");
    const attention = node.querySelector(".attention").checked;
    const out = node.querySelector(".result");
    out.replaceChildren();
    const body = { texts, stream: true, attention, beam: Number(node.querySelector(".beam").value) };
    const response = await api(`/v1/models/${model.name}/translate`, body);
    for await (const { event, data } of events(response)) {
      if (event === "error") throw new ApiError(data.error);
      if (event !== "message") continue;
      out.append(el("p", "translation", data.translation));
      if (data.attention) out.append(attentionTable(data.attention));
    }
  }));
  return node;
}

function attentionTable(a) {
  const table = el("table", "attention");
  const head = el("tr");
  head.append(el("th"));
  for (const token of a.source_tokens) head.append(el("th", "", token));
  table.append(el("thead"));
  table.tHead.append(head);
  const rows = el("tbody");
  a.weights.forEach((weights, t) => {
    const row = el("tr");
    row.append(el("th", "", a.target_tokens[t] ?? ""));
    const top = Math.max(...weights, 1e-9);  // shade by the row's largest weight: where it looks most
    for (const w of weights) {
      const cell = el("td");
      cell.style.background = `rgba(47, 111, 223, ${(w / top).toFixed(3)})`;
      cell.title = w.toFixed(3);
      row.append(cell);
    }
    rows.append(row);
  });
  table.append(rows);
  return table;
}

// -- word vectors: nearest words and analogies
function vectorsPanel(model) {
  const node = panel("vectors", model);
  const list = node.querySelector(".result");
  const show = (words) => {
    list.replaceChildren(...words.map(({ word, cosine }) => {
      const item = el("li");
      item.append(el("span", "word", word), el("span", "cos", cosine.toFixed(3)));
      return item;
    }));
  };
  const similar = node.querySelector(".similar"), analogy = node.querySelector(".analogy");
  similar.hidden = !model.verbs.includes("similar");
  node.querySelector(".analogy-row").hidden = !model.verbs.includes("analogy");
  similar.addEventListener("click", () => busy(node, similar, async () => {
    const word = node.querySelector(".word").value.trim();
    show((await (await api(`/v1/models/${model.name}/similar`, { word, topn: 10 })).json()).similar);
  }));
  analogy.addEventListener("click", () => busy(node, analogy, async () => {
    const [a, b, c] = ["a", "b", "c"].map((k) => node.querySelector("." + k).value.trim());
    show((await (await api(`/v1/models/${model.name}/analogy`, { a, b, c, topn: 5 })).json()).analogy);
  }));
  return node;
}

const PANELS = [["predict", classifyPanel], ["generate", generatePanel], ["translate", translatePanel],
                ["similar", vectorsPanel], ["analogy", vectorsPanel]];

async function load() {
  const status = document.getElementById("status");
  try {
    const { models } = await (await api("/v1/models")).json();
    const main = document.getElementById("panels");
    main.replaceChildren();
    for (const model of models) {
      const match = PANELS.find(([verb]) => model.verbs.includes(verb));
      if (match) main.append(match[1](model));
    }
    status.textContent = `${models.length} model${models.length === 1 ? "" : "s"} loaded`;
    document.body.dataset.ready = "true";
  } catch (e) {
    if (!document.getElementById("key-form").hidden) return;
    status.textContent = "could not list the models: " + e.message;
  }
}

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.key = document.getElementById("key").value.trim();
  sessionStorage.setItem("nlpdive-key", state.key);
  document.getElementById("key-form").hidden = true;
  load();
});

readKey();
load();
