// The supervisor wallboard (/wallboard): queues, agents, escalated calls, pending
// cases, the last hour's traffic, today's forecast against actual per queue and the
// running campaigns, over the public API only. Rows are kept and
// updated in place, so keyboard focus on a row's buttons survives the updates.

import {Session} from "./api.js";
import {LinkView, everySecond, header} from "./chrome.js";
import {Clock} from "./clock.js";
import {byId, describe, duration, figure, fill, h, text} from "./dom.js";
import {campaignRows} from "./campaigns.js";
import {Floor} from "./floor.js";
import {renderForecast, summary} from "./forecast-plot.js";
import {levelNames} from "./pop.js";
import {renderPlot} from "./plot.js";
import {page} from "./signin.js";
import {Connection} from "./socket.js";

const STATE_LABELS = {LOGGED_OUT: "Logged out", NOT_READY: "Paused", READY: "Ready",
                      RESERVED: "Ringing", ON_CALL: "On a call", WRAP_UP: "Wrap-up"};
const SUPERVISE = [["call.listen", "Listen", "Listening to"], ["call.whisper", "Whisper", "Whispering to"],
                   ["call.barge", "Barge", "Barging into"], ["call.take_over", "Take over", "Taking over"]];
const TRAFFIC_EVERY = 30_000;
const CASES_EVERY = 60_000;
const CAMPAIGNS_EVERY = 5_000;    // the board's figures change without an event of their own
const FORECAST_EVERY = 60_000;    // fits are kept per queue and day; actuals move slowly

const session = new Session();
const clock = new Clock();
const boot = page(session, () => new Wallboard());

/** Put `rows` in `body` in this order, moving nothing when it is already so (a moved
 * row would lose the keyboard focus of its buttons). */
function order(body, rows) {
  const now = [...body.children].filter((tr) => !tr.classList.contains("empty"));
  if (rows.length === now.length && rows.every((tr, i) => tr === now[i])) return;
  for (const tr of rows) body.appendChild(tr);
}

function cell(label, cls = "") {
  return h("td", {"data-label": label, class: cls || null});
}

class Wallboard {
  constructor() {
    this.floor = new Floor();
    this.link = new LinkView();
    this.conn = new Connection(session, {
      onSnapshot: (s) => this.snapshot(s),
      onEvent: (e) => this.event(e),
      onStats: (s) => { this.floor.stats(s); this.renderQueues(); this.renderAgents(); },
      onStatus: (v) => { this.floor.status(v); this.renderAgents(); },
      onState: (st) => this.link.update(st),
      onSignedOut: (message) => { this.stopTimers(); boot(message); },
      onError: (err) => text(byId("agents-error"), describe(err)),
    });
    this.queueRows = new Map();
    this.agentRows = new Map();
    this.catalogue = {};
    this.timers = [];
    this._soon = {};
  }

  async stopSpying(button) {
    button.disabled = true;
    text(byId("agents-error"), "");
    try {
      await this.conn.command("call.stop_spying", {});
      text(byId("agents-done"), "Stopped.");
      button.hidden = true;
    } catch (err) {
      text(byId("agents-error"), describe(err));
    } finally {
      button.disabled = false;
    }
  }

  start() {
    byId("stop-spying").onclick = (ev) => this.stopSpying(ev.currentTarget);
    header(session, session.user || {id: "", role: "supervisor"}, () => this.signOut());
    this.timers.push(everySecond(() => this.tick()));
    this.timers.push(setInterval(() => this.loadTraffic(), TRAFFIC_EVERY));
    this.timers.push(setInterval(() => this.loadCases(), CASES_EVERY));
    this.timers.push(setInterval(() => this.loadCampaigns(), CAMPAIGNS_EVERY));
    this.timers.push(setInterval(() => this.loadForecasts(), FORECAST_EVERY));
    this.conn.start();
  }

  stopTimers() {
    this.timers.forEach(clearInterval);
    this.timers = [];
  }

  stop() {
    this.stopTimers();
    this.conn.stop();
  }

  async signOut() {
    this.stop();
    try {
      await session.logout();
    } catch {
      session.forget();
    }
    boot("You signed out.");
  }

  /** Run `fn` once, `ms` after the last of several calls in a row. */
  soon(key, ms, fn) {
    clearTimeout(this._soon[key]);
    this._soon[key] = setTimeout(fn, ms);
  }

  // --- what arrives ----------------------------------------------------------------------

  snapshot(s) {
    this.floor.snapshot(s);
    clock.sync(s.at, s.options?.timezone);
    text(byId("zone"), clock.zone);
    header(session, s.user, () => this.signOut());
    if (s.user.role !== "supervisor" && s.user.role !== "admin") {
      text(byId("agents-error"), "The wallboard is for supervisors and admins; agents use the desktop.");
    }
    this.renderQueues();
    this.renderAgents();
    this.renderEscalations();
    this.tick();
    if (!this.started) {
      this.started = true;
      session.get("/catalogue").then((c) => { this.catalogue = c || {}; }).catch(() => {});
    }
    this.loadTraffic();
    this.loadCases();
    this.loadCampaigns();
    this.loadForecasts();
  }

  event(e) {
    this.floor.event(e);
    if (e.type.startsWith("call.") || e.type === "agent.state_changed") {
      this.renderAgents();
      this.renderEscalations();
    }
    if (["call.queued", "call.answered", "call.ended"].includes(e.type)) {
      this.soon("traffic", 3000, () => this.loadTraffic());
    }
    if (e.type.startsWith("case.")) this.soon("cases", 1000, () => this.loadCases());
    if (e.type.startsWith("campaign.")) this.soon("campaigns", 1000, () => this.loadCampaigns());
    if (e.type.startsWith("queue.") || e.type === "centre.mode_changed") this.renderQueues();
  }

  // --- queues --------------------------------------------------------------------------

  renderCentre() {
    const {mode, message} = this.floor.centre;
    const box = byId("centre");
    box.hidden = !mode || mode === "normal";
    text(box, box.hidden ? "" : `Centre in ${mode} mode${message ? `: ${message}` : ""}`);
  }

  renderQueues() {
    this.renderCentre();
    const body = byId("queues").tBodies[0];
    const names = [...this.floor.queues.keys()].sort();
    for (const [name, row] of this.queueRows) {
      if (!this.floor.queues.has(name)) {
        row.tr.remove();
        this.queueRows.delete(name);
      }
    }
    if (!names.length && !body.querySelector(".empty")) {
      fill(body, h("tr", {class: "empty"}, h("td", {colspan: 13, class: "muted"}, "No queues to show.")));
    } else if (names.length) {
      body.querySelector(".empty")?.remove();
    }
    for (const name of names) {
      let row = this.queueRows.get(name);
      if (!row) {
        row = this.queueRow(name);
        this.queueRows.set(name, row);
      }
      this.fillQueue(row, this.floor.queues.get(name));
    }
    order(body, names.map((name) => this.queueRows.get(name).tr));
  }

  queueRow(name) {
    const labels = ["Queue", "Waiting", "Longest wait", "Service level", "Ready", "Ringing",
                    "On call", "Wrap-up", "Paused", "Answered", "Abandoned", "ASA", "AHT"];
    const cells = labels.map((label, i) => cell(label, i ? "num" : "full"));
    const tr = h("tr", {dataset: {queue: name}}, cells);
    return {tr, cells};
  }

  fillQueue(row, q) {
    const [name, waiting, longest, sl, ready, ringing, onCall, wrap, paused, answered,
           abandoned, asa, aht] = row.cells;
    const wait = q.oldest_since ? clock.since(q.oldest_since) : (q.longest_wait ?? null);
    const target = q.sl_percent ?? 80;
    const level = q.service_level;
    const breach = (level !== null && level !== undefined && level < target)
      || (wait !== null && q.sl_seconds && wait > q.sl_seconds);
    row.tr.classList.toggle("breach", Boolean(breach));
    const closed = (this.floor.centre.closed_queues || []).includes(q.name);
    fill(name, h("strong", {}, q.name), breach ? h("span", {class: "flag"}, " Below target") : null,
         closed ? h("span", {class: "tag"}, " closed") : null,
         q.draining ? h("span", {class: "muted"}, " closing") : null);
    text(waiting, q.waiting ?? 0);
    text(longest, wait === null ? "–" : duration(wait));
    text(sl, level === null || level === undefined ? `– / ${target}%`
      : `${figure(level)}% / ${figure(target)}%`);
    sl.title = `share answered within ${q.sl_seconds ?? "?"} s; target ${target}%`;
    text(ready, q.ready ?? "–");
    text(ringing, q.reserved ?? q.ringing ?? "–");
    text(onCall, q.on_call ?? "–");
    text(wrap, q.wrap_up ?? "–");
    text(paused, q.not_ready ?? "–");
    text(answered, q.answered ?? 0);
    text(abandoned, q.abandoned ?? 0);
    text(asa, q.asa === null || q.asa === undefined ? "–" : duration(q.asa));
    text(aht, q.aht === null || q.aht === undefined ? "–" : duration(q.aht));
    row.q = q;
  }

  // --- agents --------------------------------------------------------------------------

  renderAgents() {
    const body = byId("agents").tBodies[0];
    const agents = [...this.floor.agents.values()]
      .sort((a, b) => (a.name || a.agent_id).localeCompare(b.name || b.agent_id));
    for (const [id, row] of this.agentRows) {
      if (!this.floor.agents.has(id)) {
        row.tr.remove();
        this.agentRows.delete(id);
      }
    }
    for (const a of agents) {
      let row = this.agentRows.get(a.agent_id);
      if (!row) {
        row = this.agentRow(a.agent_id);
        this.agentRows.set(a.agent_id, row);
      }
      this.fillAgent(row, a);
    }
    order(body, agents.map((a) => this.agentRows.get(a.agent_id).tr));
  }

  agentRow(agentId) {
    const cells = ["Agent", "State", "For", "Current call", "Answered", "Supervise"]
      .map((label, i) => cell(label, [2, 4].includes(i) ? "num" : i === 3 || i === 5 ? "full" : ""));
    const buttons = SUPERVISE.map(([name, label, doing]) => h("button", {
      type: "button", dataset: {command: name},
      onclick: (ev) => this.supervise(agentId, name, doing, ev.currentTarget),
    }, label));
    cells[5].appendChild(h("div", {class: "actions"}, buttons));
    const badge = h("span", {class: "badge"});
    cells[1].appendChild(badge);
    const reason = h("span", {class: "muted"});
    cells[1].appendChild(reason);
    const tr = h("tr", {dataset: {agent: agentId}}, cells);
    return {tr, cells, buttons, badge, reason};
  }

  fillAgent(row, a) {
    const [name, , since, callCell, answered] = row.cells;
    text(name, a.name || a.agent_id);
    name.title = a.agent_id;
    text(row.badge, STATE_LABELS[a.state] || a.state);
    row.badge.dataset.state = a.state;
    text(row.reason, a.state === "NOT_READY" && a.reason ? ` ${this.floor.reasonLabel(a.reason)}` : "");
    text(since, duration(clock.since(a.since)));
    text(answered, a.answered ?? "–");
    const call = a.call_id ? this.floor.calls.get(a.call_id) : null;
    text(callCell, call ? [call.caller_name || call.caller_number || "caller", call.queue,
                           call.held ? "on hold" : call.phase,
                           call.escalation ? "escalated" : null].filter(Boolean).join(" · ") : "");
    const talking = call && call.phase === "talking";
    const mine = a.agent_id === this.floor.user?.agent_id;
    for (const button of row.buttons) {
      button.disabled = !talking || mine;
      button.setAttribute("aria-label", `${button.textContent} ${a.name || a.agent_id}`);
    }
    row.a = a;
    row.call = call;
  }

  async supervise(agentId, name, doing, button) {
    const a = this.floor.agents.get(agentId);
    const callId = a?.call_id;
    text(byId("agents-error"), "");
    text(byId("agents-done"), "");
    if (!callId) {
      text(byId("agents-error"), `${a?.name || agentId} has no call now.`);
      return;
    }
    button.disabled = true;
    try {
      await this.conn.command(name, {interaction_id: callId});
      text(byId("agents-done"), `${doing} ${a.name || agentId}'s call: your phone rings.`);
      byId("stop-spying").hidden = name === "call.take_over";
    } catch (err) {
      text(byId("agents-error"), describe(err));
    } finally {
      this.renderAgents();
    }
  }

  // --- escalations and cases -------------------------------------------------------------

  renderEscalations() {
    const list = byId("escalations");
    const calls = [...this.floor.calls.values()].filter((c) => c.escalation)
      .sort((a, b) => (a.escalation.at || 0) - (b.escalation.at || 0));
    if (!calls.length) {
      fill(list, h("li", {class: "muted"}, "No call is waiting for a supervisor."));
      return;
    }
    fill(list, calls.map((c) => h("li", {dataset: {call: c.interaction_id}},
      h("strong", {}, c.screen_pop?.customer?.name || c.caller_name || c.caller_number || "caller"),
      ` · ${c.queue || "no queue"} · ${c.agent_id ? `with ${this.agentName(c.agent_id)}` : c.phase}`,
      h("p", {}, c.escalation.reason || "no reason given",
        c.escalation.by ? h("span", {class: "meta"},
          ` (by ${this.agentName(c.escalation.by)}, ${clock.hm(c.escalation.at)})`) : null),
      h("button", {type: "button", onclick: (ev) => this.takeOver(c, ev.currentTarget)},
        "Take over"))));
  }

  agentName(agentId) {
    return this.floor.agents.get(agentId)?.name || agentId;
  }

  async takeOver(call, button) {
    button.disabled = true;
    try {
      await this.conn.command("call.take_over", {interaction_id: call.interaction_id});
      text(byId("agents-done"), "Taking over the call: your phone rings.");
    } catch (err) {
      text(byId("agents-error"), describe(err));
      button.disabled = false;
    }
  }

  units() {
    const all = this.floor.options.units || [];
    const mine = this.floor.user?.role === "admin" ? all.map((u) => u.id) : this.floor.user?.units || [];
    return mine.map((id) => all.find((u) => u.id === id) || {id, name: id});
  }

  async loadCases() {
    const units = this.units();
    const box = byId("cases");
    if (!units.length) {
      fill(box, h("p", {class: "muted"}, "You are not in charge of any unit."));
      return;
    }
    const found = await Promise.all(units.map((u) =>
      session.get(`/cases?status=pending&unit=${encodeURIComponent(u.id)}&limit=50`)
        .then((cases) => ({unit: u, cases}), (err) => ({unit: u, error: describe(err)}))));
    fill(box, found.map((f) => this.unitBlock(f)));
  }

  unitBlock({unit, cases, error}) {
    const count = error ? "?" : cases.length >= 50 ? "50+" : String(cases.length);
    const items = error ? h("p", {class: "error"}, error)
      : h("ul", {class: "log"}, cases.slice(0, 5).map((c) => h("li", {},
        levelNames(this.catalogue, c).join(" › ") || c.subject || "not classified",
        h("span", {class: "meta"}, ` · since ${clock.dateTime(c.status_at || c.opened_at)}`,
          c.owner ? ` · ${c.owner}` : ""))));
    return h("div", {class: "unit", dataset: {unit: unit.id}},
             h("h3", {}, unit.name || unit.id, " ",
               h("span", {class: "big", "aria-label": `${count} pending`}, count)),
             items);
  }

  // --- traffic -------------------------------------------------------------------------

  async loadTraffic() {
    try {
      const traffic = await session.get("/traffic?minutes=60&step=5");
      fill(byId("plot"), renderPlot(traffic, (at) => clock.hm(at)));
      text(byId("plot-error"), "");
    } catch (err) {
      text(byId("plot-error"), describe(err));
    }
  }

  // --- campaigns and forecasts --------------------------------------------------------

  async loadCampaigns() {
    try {
      const board = await session.get("/campaigns/board");
      fill(byId("campaigns").tBodies[0], campaignRows(board || []));
      text(byId("campaigns-note"), "");
    } catch (err) {
      fill(byId("campaigns").tBodies[0]);
      text(byId("campaigns-note"), describe(err));
    }
  }

  async loadForecasts() {
    if (this.forecasting) return;
    this.forecasting = true;
    const note = byId("forecast-note");
    try {
      const names = [...this.floor.queues.keys()].sort();
      const found = await Promise.all(names.map((q) =>
        session.get(`/forecast/today?queue=${encodeURIComponent(q)}`)
          .then((today) => ({q, today}), (error) => ({q, error}))));
      const missing = found.find((f) => f.error?.code === "wfm-not-installed");
      note.hidden = !missing && names.length > 0;
      text(note, missing ? `Forecasts are not available: ${missing.error.message}`
        : names.length ? "" : "No queues to forecast.");
      fill(byId("forecasts"), missing ? [] : found.map((f) => this.forecastBlock(f)));
    } finally {
      this.forecasting = false;
    }
  }

  forecastBlock({q, today, error}) {
    if (error) {
      const why = error.code === "no-history" ? "Too little history for a forecast yet."
        : describe(error);
      return h("div", {class: "forecast", dataset: {queue: q}},
               h("h3", {}, q), h("p", {class: "muted", title: error.message || ""}, why));
    }
    return h("div", {class: "forecast", dataset: {queue: q}},
             h("h3", {}, q, h("span", {class: "meta"}, `${today.method} · ${summary(today)}`)),
             renderForecast(today));
  }

  tick() {
    text(byId("clock"), clock.time(clock.now()));
    for (const row of this.queueRows.values()) if (row.q) this.fillQueue(row, row.q);
    for (const row of this.agentRows.values()) {
      if (row.a) text(row.cells[2], duration(clock.since(row.a.since)));
    }
    this.link.tick();
  }
}

boot();
