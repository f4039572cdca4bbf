// Today's forecast against what has happened, in the style of plot.js: the forecast
// as a line, the contacts of the intervals over as bars, the rest of the day
// re-forecast as a dashed line, and "now" as a rule; the same figures in a table
// for screen readers. Night intervals with nothing forecast or seen are left out.

import {h} from "./dom.js";
import {PAD, niceMax, s} from "./plot.js";

const W = 640;
const H = 180;

const round1 = (v) => Math.round(v * 10) / 10;

/** The intervals worth drawing: from the first to the last one with anything in it
 * (the interval under way included). */
function span(today) {
  const busy = today.forecast.map((f, i) => f > 0 || (today.actual[i] || 0) > 0
                                          || (i === today.elapsed && today.current));
  const first = busy.indexOf(true);
  const last = busy.lastIndexOf(true);
  if (first < 0) return [0, today.forecast.length];
  return [first, Math.max(last, Math.min(today.elapsed, today.forecast.length - 1)) + 1];
}

/** One line of words: so far and the whole day. */
export function summary(today) {
  return `So far ${today.actual_so_far} contacts against ${round1(today.forecast_so_far)} forecast; `
    + `today now expected ${Math.round(today.expected_total)} (forecast ${Math.round(today.forecast_total)})`;
}

/** `today`: the answer of GET /api/v1/forecast/today. */
export function renderForecast(today) {
  const [from, to] = span(today);
  const n = to - from;
  const values = [...today.forecast.slice(from, to), ...today.reforecast.slice(from, to)];
  const top = niceMax(Math.max(0, ...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = n ? plotW / n : plotW;
  const x = (i) => PAD.left + (i - from) * slot;
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const svg = s("svg", {viewBox: `0 0 ${W} ${H}`, role: "img",
                        "aria-label": `${today.queue} today: ${summary(today)}`});
  for (let i = 0; i <= 4; i++) {
    const v = (top / 4) * i;
    svg.appendChild(s("line", {x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v),
                               stroke: "#d8dee6", "stroke-width": 1}));
    svg.appendChild(s("text", {x: PAD.left - 5, y: y(v) + 4, "text-anchor": "end",
                               "font-size": 11, fill: "#5b6776"}, String(Math.round(v))));
  }
  for (let i = from; i < Math.min(to, today.elapsed); i++) {
    const v = today.actual[i];
    const rect = s("rect", {x: x(i) + 1, y: y(v), width: Math.max(1, slot - 2),
                            height: Math.max(0, PAD.top + plotH - y(v)),
                            class: "s-actual", fill: "currentColor"});
    rect.appendChild(s("title", {}, `${today.labels[i]}: ${v} contacts, forecast ${round1(today.forecast[i])}`));
    svg.appendChild(rect);
  }
  const line = (from_, to_, series, cls, dash) => {
    const points = [];
    for (let i = from_; i < to_; i++) points.push(`${x(i) + slot / 2},${y(series[i])}`);
    if (points.length) {
      svg.appendChild(s("polyline", {points: points.join(" "), fill: "none", stroke: "currentColor",
                                     "stroke-width": 2, class: cls,
                                     ...(dash ? {"stroke-dasharray": "5 4"} : {})}));
    }
  };
  line(from, to, today.forecast, "s-forecast", false);
  line(Math.max(from, today.elapsed), to, today.reforecast, "s-reforecast", true);
  if (today.elapsed >= from && today.elapsed <= to) {
    svg.appendChild(s("line", {x1: x(today.elapsed), x2: x(today.elapsed), y1: PAD.top,
                               y2: PAD.top + plotH, stroke: "#1b2430", "stroke-width": 1,
                               class: "now"}));
  }
  const every = Math.max(1, Math.ceil(n / 8));
  for (let i = from; i < to; i += every) {
    svg.appendChild(s("text", {x: x(i), y: H - 8, "font-size": 11, fill: "#5b6776"}, today.labels[i]));
  }
  const table = h("table", {class: "sr-only"},
    h("caption", {}, `${today.queue}: contacts per interval today`),
    h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "From"), h("th", {scope: "col"}, "Forecast"),
                     h("th", {scope: "col"}, "Actual"), h("th", {scope: "col"}, "Re-forecast"))),
    h("tbody", {}, today.labels.slice(from, to).map((label, k) => {
      const i = from + k;
      return h("tr", {}, h("th", {scope: "row"}, label), h("td", {}, round1(today.forecast[i])),
               h("td", {}, i < today.elapsed ? today.actual[i] : "–"),
               h("td", {}, i < today.elapsed ? "–" : round1(today.reforecast[i])));
    })));
  return [svg, table];
}
