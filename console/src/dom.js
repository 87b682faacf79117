// Small DOM helpers: every text goes in as text (never as HTML).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const fmt = new Intl.NumberFormat("en");
export const num = (n) => (typeof n === "number" ? fmt.format(n) : "—");
export const signed = (n) => (n > 0 ? `+${fmt.format(n)}` : fmt.format(n));
export const pct = (x) => (typeof x === "number" ? `${(x * 100).toFixed(1)} %` : "—");
export const when = (t) => (t ? t.replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC") : "—");
export const day = (d) => d.toISOString().slice(0, 10);

/** A table with a caption and column headers; rows are arrays of cells (text or nodes). */
export function table(caption, headers, rows, { empty = "Nothing yet." } = {}) {
  if (!rows.length) return h("p", { class: "muted" }, `${caption}: ${empty}`);
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
    ),
  );
}

/** A labelled input (label wraps nothing: explicit for= / id). */
let seq = 0;
export function field(label, input, hint) {
  const id = input.id || `f${++seq}`;
  input.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint && h("small", { id: hintId }, hint));
}

export function errorBox(err) {
  const message = typeof err?.explain === "function" ? err.explain() : String(err?.message || err);
  return h("div", { class: "error", role: "alert" }, message);
}

export function stat(label, value, extra) {
  return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), h("span", { class: "stat-value" }, value), extra);
}
