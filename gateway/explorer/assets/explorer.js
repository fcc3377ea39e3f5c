// protogate explorer: the live route table, each method's schemas from the
// live OpenAPI document, a try-it form, and composition plans drawn as SVG
// with the Server-Timing of the last call. Reads only the admin endpoints
// of the gateway that serves it (/-/routes, /-/openapi.json, /-/plans/...)
// and /-/explorer/plans; loads nothing from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { routes: [], openapi: null, plans: new Set(), selected: null };
const SVG_NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// "/v1/{name=shelves/*}/books" -> "/v1/{name}/books", the OpenAPI path.
function openApiPath(template) {
  return template.replace(/\{([^}=]+)=[^}]*\}/g, "{$1}");
}

function operationOf(route) {
  const item = state.openapi.paths[openApiPath(route.path)] || {};
  return item[route.httpMethod.toLowerCase()] || null;
}

// --- route list -----------------------------------------------------------

function renderRoutes() {
  const words = $("search").value.toLowerCase().split(/\s+/).filter(Boolean);
  const list = $("routes");
  list.replaceChildren();
  let shown = 0;
  state.routes.forEach((route, index) => {
    const text = `${route.httpMethod} ${route.path} ${route.method}`.toLowerCase();
    if (!words.every((w) => text.includes(w))) return;
    shown++;
    const item = el("li", { "data-index": index },
      el("span", { class: `verb ${route.httpMethod}` }, route.httpMethod), " ",
      el("code", {}, route.path));
    if (state.plans.has(route.method)) {
      item.append(el("span", { class: "badge" }, "plan"));
    }
    item.append(el("span", { class: "rpc" }, route.method));
    if (index === state.selected) item.classList.add("selected");
    item.addEventListener("click", () => selectRoute(index));
    list.append(item);
  });
  $("route-count").textContent = `${shown} of ${state.routes.length} routes`;
}

// --- schemas ------------------------------------------------------------

function resolveRef(schema) {
  if (!schema || !schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  return Object.assign({ title: name },
    state.openapi.components.schemas[name]);
}

function typeName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.replace("#/components/schemas/", "");
  if (schema.type === "array") return `${typeName(schema.items)}[]`;
  if (schema.enum) return `enum (${schema.enum.join(" | ")})`;
  if (schema.type === "object" && schema.additionalProperties) {
    return `map<string, ${typeName(schema.additionalProperties)}>`;
  }
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  return [type || "any", schema.format].filter(Boolean).join(" ");
}

// Properties as a nested list, message types expanded up to `depth` levels
// (each type once per branch: recursive messages stop).
function schemaTree(schema, depth, seen = new Set()) {
  const resolved = resolveRef(schema.type === "array" ? schema.items : schema);
  const list = el("ul");
  if (!resolved || !resolved.properties) return list;
  for (const [name, property] of Object.entries(resolved.properties)) {
    const item = el("li", {}, el("span", { class: "field" }, name), " ",
      el("span", { class: "type" }, typeName(property)));
    const inner = property.type === "array" ? property.items : property;
    const ref = inner && inner.$ref;
    if (ref && depth > 1 && !seen.has(ref)) {
      item.append(schemaTree(property, depth - 1, new Set([...seen, ref])));
    }
    list.append(item);
  }
  return list;
}

function renderSchema(target, schema) {
  target.replaceChildren();
  if (!schema) {
    target.append(el("span", { class: "muted" }, "none"));
    return;
  }
  target.append(el("div", { class: "type" }, typeName(schema)),
    schemaTree(schema, 3));
}

// Path and query parameters, then the body's schema.
function renderRequest(target, op) {
  renderSchema(target, requestSchema(op));
  const parameters = (op && op.parameters) || [];
  if (parameters.length === 0) return;
  if (!requestSchema(op)) target.replaceChildren();
  const list = el("ul");
  for (const p of parameters) {
    list.append(el("li", {}, el("span", { class: "field" }, p.name), " ",
      el("span", { class: "type" }, `${typeName(p.schema)} (${p.in}` +
        `${p.required ? ", required" : ""})`)));
  }
  target.prepend(el("div", { class: "type" }, "parameters"), list);
}

function requestSchema(op) {
  const content = op && op.requestBody && op.requestBody.content;
  return content && content["application/json"] &&
    content["application/json"].schema;
}

function responseSchema(op) {
  const ok = op && op.responses && op.responses["200"];
  const content = ok && ok.content;
  const json = content && (content["application/json"] ||
    content["application/x-ndjson"]);
  return json && json.schema;
}

// --- plan picture -----------------------------------------------------------

// Columns by dependency depth, rows in step order within a column.
function layoutPlan(plan) {
  const depth = new Map();
  const depthOf = (step) => {
    if (depth.has(step.id)) return depth.get(step.id);
    depth.set(step.id, 0);  // Plans are acyclic; guards a bad document.
    const d = Math.max(-1, ...step.depends_on.map(
      (id) => depthOf(plan.steps.find((s) => s.id === id)))) + 1;
    depth.set(step.id, d);
    return d;
  };
  const rows = [];
  const at = new Map();
  for (const step of plan.steps) {
    const column = depthOf(step);
    rows[column] = (rows[column] || 0) + 1;
    at.set(step.id, { x: 20 + column * 300, y: 20 + (rows[column] - 1) * 110 });
  }
  return { at, width: 20 + rows.length * 300, height: 20 + Math.max(...rows) * 110 };
}

// "one call", or the for_each mode: "fan-out: each ≤ 8".
function fanOut(step) {
  if (!step.for_each) return "one call";
  return `fan-out: ${step.for_each.mode.toLowerCase()} ≤ ${step.for_each.max_items}`;
}

function drawPlan(plan) {
  const { at, width, height } = layoutPlan(plan);
  const W = 250, H = 88;
  const critical = new Set(plan.critical_path.steps);
  const picture = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`,
    role: "img", "aria-label": `plan of ${plan.method}` });
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10,
    refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse",
    orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#57606a" }));
  defs.append(marker);
  picture.append(defs);
  for (const step of plan.steps) {
    for (const dep of step.depends_on) {
      const a = at.get(dep), b = at.get(step.id);
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      const hot = critical.has(dep) && critical.has(step.id);
      picture.append(svg("path", { class: `edge${hot ? " critical" : ""}`,
        "marker-end": "url(#arrow)",
        d: `M ${x1} ${y1} C ${x1 + 20} ${y1}, ${x2 - 20} ${y2}, ${x2} ${y2}` }));
    }
  }
  for (const step of plan.steps) {
    const { x, y } = at.get(step.id);
    const g = svg("g", { class: `step ${step.criticality}` +
      (critical.has(step.id) ? " critical" : ""), "data-step": step.id,
      transform: `translate(${x} ${y})` });
    g.append(svg("rect", { class: "box", width: W, height: H, rx: 6 }),
      svg("rect", { class: "bar", x: 1, y: H - 6, width: 0, height: 5 }),
      svg("text", { class: "id", x: 8, y: 17 }, step.id),
      svg("text", { x: 8, y: 34 }, step.call.split(".").slice(-2).join(".")),
      svg("text", { x: 8, y: 51 }, [step.criticality.toLowerCase(),
        step.timeout_ms != null ? `timeout ${step.timeout_ms} ms` : ""]
        .filter(Boolean).join(" · ")),
      svg("text", { x: 8, y: 68 }, fanOut(step)),
      svg("text", { class: "timing", x: W - 8, y: 17, "text-anchor": "end" }));
    const title = [`${step.id}: ${step.call}`, step.when && `when ${step.when}`,
      step.for_each && `for each item of ${step.for_each.over} ` +
        `(${step.for_each.mode}, at most ${step.for_each.max_items} items, ` +
        `${step.for_each.max_concurrency} at a time` +
        (step.for_each.max_batch ? `, ${step.for_each.max_batch} per batch` : "") + ")",
      `depends on: ${step.depends_on.join(", ") || "nothing"}`]
      .filter(Boolean).join("\n");
    g.append(svg("title", {}, title));
    picture.append(g);
  }
  return picture;
}

// "product;dur=12.5, price;dur=3" -> Map(product => 12.5, price => 3).
function parseServerTiming(header) {
  const timings = new Map();
  for (const entry of (header || "").split(",")) {
    const [name, ...params] = entry.trim().split(";");
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith("dur="));
    if (name && dur) timings.set(name.trim(), parseFloat(dur.slice(4)));
  }
  return timings;
}

function showTimings(timings) {
  const longest = Math.max(1, ...timings.values());
  for (const g of document.querySelectorAll("#plan-picture .step")) {
    const ms = timings.get(g.dataset.step);
    g.querySelector(".timing").textContent =
      ms === undefined ? "" : `${ms.toFixed(1)} ms`;
    g.querySelector(".bar").setAttribute("width",
      ms === undefined ? 0 : Math.max(2, (248 * ms) / longest));
  }
}

async function renderPlan(route) {
  $("plan-view").hidden = !state.plans.has(route.method);
  $("plan-picture").replaceChildren();
  if (!state.plans.has(route.method)) return;
  const plan = await getJson(`/-/plans/${encodeURIComponent(route.method)}`);
  $("plan-summary").textContent = `${plan.steps.length} steps, at most ` +
    `${plan.worst_case_calls} calls; critical path ` +
    `${plan.critical_path.steps.join(" → ")} ` +
    `(${plan.critical_path.timeout_ms} ms)`;
  $("plan-picture").append(drawPlan(plan));
}

// --- try it -----------------------------------------------------------------

function renderParams(route) {
  const box = $("params");
  box.replaceChildren();
  for (const match of route.path.matchAll(/\{([^}=]+)(?:=([^}]*))?\}/g)) {
    const input = el("input", { "data-param": match[1], spellcheck: "false",
      placeholder: match[2] || "value", required: "" });
    box.append(el("label", {}, `${match[1]} `, input));
  }
  const hasBody = !["GET", "DELETE"].includes(route.httpMethod);
  $("body-label").hidden = !hasBody;
}

function requestUrl(route) {
  let path = route.path.replace(/\{([^}=]+)(?:=[^}]*)?\}/g, (_, name) => {
    const value = document.querySelector(`[data-param="${name}"]`).value;
    return value.split("/").map(encodeURIComponent).join("/");
  });
  const base = $("base").value.replace(/\/+$/, "");
  const query = $("query").value.replace(/^\?/, "");
  return `${base}${path}${query ? "?" + query : ""}`;
}

async function sendRequest(event) {
  event.preventDefault();
  const route = state.routes[state.selected];
  const headers = { Accept: "application/json" };
  const init = { method: route.httpMethod, headers };
  if (!$("body-label").hidden) {
    headers["Content-Type"] = "application/json";
    init.body = $("body").value;
  }
  const token = $("token").value.trim();
  if (token) headers.Authorization = `Bearer ${token}`;
  $("send").disabled = true;
  const started = performance.now();
  try {
    const response = await fetch(requestUrl(route), init);
    const text = await response.text();
    const ms = performance.now() - started;
    $("status").textContent = `${response.status} ${response.statusText}`;
    $("timing").textContent = `${ms.toFixed(1)} ms`;
    $("headers").textContent = [...response.headers]
      .map(([k, v]) => `${k}: ${v}`).join("\n");
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { }
    $("response").textContent = shown;
    showTimings(parseServerTiming(response.headers.get("server-timing")));
  } catch (e) {
    $("status").textContent = "request failed";
    $("timing").textContent = String(e.message);
    $("response").textContent = "";
  } finally {
    $("send").disabled = false;
    $("result").hidden = false;
  }
}

// --- selection and start-up ---------------------------------------------------

async function selectRoute(index) {
  state.selected = index;
  const route = state.routes[index];
  const op = operationOf(route);
  $("placeholder").hidden = true;
  $("route-view").hidden = false;
  $("result").hidden = true;
  $("verb").textContent = route.httpMethod;
  $("verb").className = `verb ${route.httpMethod}`;
  $("path").textContent = route.path;
  $("method").textContent = `${route.method} (${route.source})`;
  $("description").textContent = (op && op.description) || "";
  renderRequest($("request-schema"), op);
  renderSchema($("response-schema"), responseSchema(op));
  renderParams(route);
  renderRoutes();
  await renderPlan(route);
  document.body.dataset.selected = route.method;
}

async function start() {
  $("base").value = location.origin;
  const [routes, openapi] = await Promise.all([
    getJson("/-/routes"), getJson("/-/openapi.json")]);
  state.routes = routes.routes;
  state.openapi = openapi;
  const methods = [...new Set(state.routes.map((r) => r.method))];
  const plans = await fetch("/-/explorer/plans", { method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ methods }) }).then((r) => r.json());
  state.plans = new Set(plans.plans);
  $("search").addEventListener("input", renderRoutes);
  $("try").addEventListener("submit", sendRequest);
  renderRoutes();
  document.body.dataset.ready = "true";
}

start().catch((e) => {
  $("placeholder").textContent = `Cannot load the route table: ${e.message}`;
});
