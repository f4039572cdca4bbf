// The wallboard's campaign panel: one row per running campaign from
// GET /api/v1/campaigns/board (docs/outbound.md): lines in use, answer rate, abandon
// rate against the legal budget, agent occupancy, why the pacer dials what it dials.
// The abandon rate stands out from NEAR of the limit on, and more past it.

import {figure, h} from "./dom.js";

/** Share of the limit from which the abandon rate is flagged "near". */
export const NEAR = 0.8;

const percent = (v, digits = 1) => (v === null || v === undefined ? "–" : `${figure(100 * v, digits)}%`);

/** "ok", "near" or "over" for an abandon window {rate, limit}. */
export function abandonLevel(abandon) {
  if (!abandon || abandon.rate === null || abandon.rate === undefined || !abandon.limit) return "ok";
  if (abandon.rate >= abandon.limit) return "over";
  return abandon.rate >= NEAR * abandon.limit ? "near" : "ok";
}

function td(label, cls, ...children) {
  return h("td", {"data-label": label, class: cls || null}, ...children);
}

/** Rows of the campaign table, for `fill(tbody, ...)`. */
export function campaignRows(board) {
  if (!board.length) {
    return [h("tr", {class: "empty"}, h("td", {colspan: 6, class: "muted"}, "No campaign is running."))];
  }
  return board.map((c) => {
    const a = c.abandon;
    const level = abandonLevel(a);
    const flag = {near: " Near the limit", over: " Over the limit"}[level];
    const agents = c.agents;
    return h("tr", {dataset: {campaign: c.campaign}, class: level === "ok" ? null : `abandon-${level}`},
      td("Campaign", "full", h("strong", {}, c.campaign), " ",
         h("span", {class: "muted"}, `${c.mode} · ${c.status}`),
         c.list_exhausted ? h("span", {class: "tag"}, " list done") : null),
      td("Lines", "num", `${c.lines_in_use} / ${c.max_lines}`),
      td("Answer rate", "num", percent(c.answer_rate),
         c.placed ? h("span", {class: "meta"}, ` of ${c.placed} placed`) : null),
      td("Abandon rate", "num abandon",
         a ? [`${percent(a.rate, 2)} / ${percent(a.limit, 0)}`,
              h("span", {class: "meta"}, a.live ? ` ${a.abandoned} of ${a.live} live (${a.rules})`
                                                : ` (${a.rules})`),
              flag ? h("span", {class: "flag"}, flag) : null]
           : "–"),
      td("Occupancy", "num", agents ? percent(agents.occupancy, 0) : "–",
         agents ? h("span", {class: "meta"}, ` ${agents.busy} busy, ${agents.free} free`) : null),
      td("Pacing", "full", c.pacing ? `${c.pacing.lines} line(s): ${c.pacing.reason}` : "–"));
  });
}
