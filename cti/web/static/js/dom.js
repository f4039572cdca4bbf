// Building the page from data without ever parsing data as HTML: every string
// becomes a text node or an attribute value, never markup (no innerHTML).

/**
 * h("button", {class: "primary", onclick: fn, "aria-label": "Ready"}, "Ready")
 * Children: strings and numbers (as text), nodes, arrays of them; null and false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value") {
      el.value = value;
    } else if (key === "checked" || key === "disabled" || key === "selected" || key === "hidden") {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace the children of `el` with `children` (same rules as h). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Set the text of `el` only when it changed (keeps screen readers quiet). */
export function text(el, value) {
  const s = value === null || value === undefined ? "" : String(value);
  if (el.textContent !== s) el.textContent = s;
}

export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el;
}

/** Options of a <select>: [[value, label], ...]; keeps the chosen value when still offered. */
export function setOptions(select, options, placeholder = null) {
  const chosen = select.value;
  const items = placeholder === null ? [] : [h("option", {value: ""}, placeholder)];
  for (const [value, label] of options) items.push(h("option", {value}, label));
  fill(select, items);
  if (options.some(([value]) => value === chosen)) select.value = chosen;
}

/** Seconds as 0:07, 4:05, 1:02:03. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** A number for a figure cell: "–" when unknown. */
export function figure(value, digits = 0, unit = "") {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return "–";
  return `${Number(value).toFixed(digits)}${unit}`;
}

/** A message for the user out of an error of the API or the socket. */
export function describe(error) {
  if (!error) return "";
  if (typeof error === "string") return error;
  const code = error.code ? ` (${error.code})` : "";
  return `${error.message || String(error)}${code}`;
}
