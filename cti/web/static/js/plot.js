// Calls offered, answered and abandoned per interval, as grouped bars in SVG
// (built element by element), with the same figures in a table for screen readers.

import {h} from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const SERIES = [["offered", "Offered"], ["answered", "Answered"], ["abandoned", "Abandoned"]];
const W = 640;
const H = 220;
export const PAD = {left: 34, right: 8, top: 10, bottom: 26};

/** An SVG element with its attributes and children (strings become text). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

/** A round top for a value axis. */
export function niceMax(value) {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= value) return m * magnitude;
  return value;
}

/** `traffic`: the answer of GET /api/v1/traffic; `label(iso)`: a time in the centre's zone. */
export function renderPlot(traffic, label) {
  const rows = traffic?.intervals || [];
  const top = niceMax(Math.max(0, ...rows.flatMap((r) => SERIES.map(([k]) => r[k]))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = rows.length ? plotW / rows.length : plotW;
  const bar = Math.max(1, (slot - 4) / SERIES.length);
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const total = (k) => rows.reduce((n, r) => n + r[k], 0);
  const summary = SERIES.map(([k, name]) => `${name} ${total(k)}`).join(", ");
  const svg = s("svg", {viewBox: `0 0 ${W} ${H}`, role: "img",
                        "aria-label": `Calls per ${Math.round((traffic?.step || 300) / 60)} minutes over the last hour: ${summary}`});
  for (let i = 0; i <= 4; i++) {
    const v = (top / 4) * i;
    svg.appendChild(s("line", {x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v),
                               stroke: "#d8dee6", "stroke-width": 1}));
    svg.appendChild(s("text", {x: PAD.left - 5, y: y(v) + 4, "text-anchor": "end",
                               "font-size": 11, fill: "#5b6776"}, String(Math.round(v))));
  }
  rows.forEach((r, i) => {
    const x0 = PAD.left + i * slot + 2;
    SERIES.forEach(([key, name], j) => {
      const v = r[key];
      const rect = s("rect", {x: x0 + j * bar, y: y(v), width: Math.max(1, bar - 1),
                              height: Math.max(0, PAD.top + plotH - y(v)),
                              class: `s-${key}`, fill: "currentColor"});
      rect.appendChild(s("title", {}, `${label(r.start)}: ${name} ${v}`));
      svg.appendChild(rect);
    });
    if (i % 3 === 0) {
      svg.appendChild(s("text", {x: x0, y: H - 8, "font-size": 11, fill: "#5b6776"},
                        label(r.start)));
    }
  });
  const table = h("table", {class: "sr-only"},
    h("caption", {}, "Calls per interval"),
    h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "From"),
                     SERIES.map(([, name]) => h("th", {scope: "col"}, name)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, h("th", {scope: "row"}, label(r.start)),
                                     SERIES.map(([k]) => h("td", {}, r[k]))))));
  return [svg, table];
}
