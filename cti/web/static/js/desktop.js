// The agent desktop (/): state, a preview campaign's contact, screen-pop, call
// controls, the case, wrap-up, the customer's history and click to dial, over the
// public API only.

import {Session} from "./api.js";
import {CasePanel} from "./case-panel.js";
import {LinkView, everySecond, header} from "./chrome.js";
import {Clock} from "./clock.js";
import {byId, describe, duration, fill, h, setOptions, text} from "./dom.js";
import {Floor} from "./floor.js";
import {renderHistory, renderPop} from "./pop.js";
import {PreviewCard} from "./preview.js";
import {page} from "./signin.js";
import {Connection} from "./socket.js";

const UNIDENTIFIED = "00000000-0000-0000-0000-000000000001";
const BUSY = new Set(["RESERVED", "ON_CALL", "WRAP_UP"]);
const STATE_LABELS = {LOGGED_OUT: "Logged out", NOT_READY: "Paused", READY: "Ready",
                      RESERVED: "Ringing", ON_CALL: "On a call", WRAP_UP: "Wrap-up"};

const session = new Session();
const clock = new Clock();
const boot = page(session, () => new Desktop());

class Desktop {
  constructor() {
    this.floor = new Floor();
    this.link = new LinkView();
    this.conn = new Connection(session, {
      onSnapshot: (s) => this.snapshot(s),
      onEvent: (e) => this.event(e),
      onStatus: (v) => { this.floor.status(v); this.renderState(); },
      onNotice: (n) => this.announce(`Message from ${n.from}: ${n.text}`, true),
      onState: (st) => { this.link.update(st); this.renderState(); },
      onSignedOut: (message) => this.signedOut(message),
      onError: (err) => text(byId("call-error"), describe(err)),
    });
    this.call = null;         // the call at my phone (ringing or talking)
    this.lastCall = null;     // the call I left last (its wrap-up)
    this.wrap = null;         // the call whose wrap-up form is open
    this.customer = null;
    this._caseTimer = null;
    this.cases = new CasePanel({
      session, clock, announce: (m) => this.announce(m),
      run: (errorId, name, args, button) => this.run(errorId, name, args, button),
      interaction: () => (this.call || this.lastCall)?.interaction_id ?? null,
    });
    this.cases.onCatalogue = () => this.renderCall();
    this.preview = new PreviewCard({
      session, clock, agent: () => this.me, announce: (m, loud) => this.announce(m, loud),
      changed: () => this.renderCall(),
    });
    this.bind();
  }

  get me() {
    return this.floor.user?.agent_id ?? session.user?.agent_id ?? null;
  }

  get agent() {
    return this.floor.agents.get(this.me) || null;
  }

  start() {
    header(session, session.user || {id: "", role: "agent"}, () => this.signOut());
    this.ticker = everySecond(() => this.tick());
    this.conn.start();
  }

  stop() {
    clearInterval(this.ticker);
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

  signedOut(message) {
    clearInterval(this.ticker);
    boot(message);
  }

  // --- commands -----------------------------------------------------------------------

  /** Run a command; its error goes to `#errorId`. Returns the result or null. */
  async run(errorId, name, args = {}, button = null) {
    const error = byId(errorId);
    text(error, "");
    if (button) button.disabled = true;
    try {
      return await this.conn.command(name, args);
    } catch (err) {
      text(error, describe(err));
      return null;
    } finally {
      if (button) button.disabled = false;
      this.renderState();
      this.renderCall();
    }
  }

  bind() {
    const on = (id, ev, fn) => byId(id).addEventListener(ev, fn);
    const form = (id, fn) => on(id, "submit", (ev) => {
      ev.preventDefault();
      fn(ev.submitter || ev.target.querySelector("button[type=submit]"));
    });
    on("btn-login", "click", (ev) => this.run("state-error", "agent.login", {}, ev.target));
    on("btn-ready", "click", (ev) => this.run("state-error", "agent.ready", {}, ev.target));
    on("btn-pause", "click", (ev) => this.run("state-error", "agent.pause",
                                              {reason: byId("pause-reason").value}, ev.target));
    on("btn-logout", "click", (ev) => this.run("state-error", "agent.logout", {}, ev.target));
    on("btn-hangup", "click", (ev) => this.callCommand("call.hangup", {}, ev.target));
    on("btn-hold", "click", (ev) => this.callCommand("call.hold", {}, ev.target));
    on("btn-resume", "click", (ev) => this.callCommand("call.resume", {}, ev.target));
    on("btn-consult", "click", (ev) => {
      const to = this.target();
      if (to) this.callCommand("call.consult", {to}, ev.target);
    });
    on("btn-consult-complete", "click",
       (ev) => this.callCommand("call.consult_complete", {}, ev.target));
    on("btn-consult-cancel", "click",
       (ev) => this.callCommand("call.consult_cancel", {}, ev.target));
    on("transfer-kind", "change", () => this.renderTargets());
    form("transfer-form", (button) => {
      const to = this.target();
      if (to) this.callCommand("call.transfer", {to}, button);
    });
    form("escalate-form", async (button) => {
      const args = {reason: byId("escalate-reason").value.trim()};
      if (byId("escalate-queue").value) args.queue = byId("escalate-queue").value;
      const done = await this.callCommand("call.escalate", args, button);
      if (done) {
        byId("escalate-reason").value = "";
        this.announce("Escalated to a supervisor.");
      }
    });
    form("wrapup-form", (button) => this.finishWrapUp(button));
    form("dial-form", (button) => this.dial(byId("dial-number").value.trim(), button));
  }

  callCommand(name, args, button) {
    const call = this.call;
    if (!call) {
      text(byId("call-error"), "There is no call to act on.");
      return Promise.resolve(null);
    }
    return this.run("call-error", name, {interaction_id: call.interaction_id, ...args}, button);
  }

  target() {
    const kind = byId("transfer-kind").value;
    const value = byId("transfer-target").value.trim();
    if (!value) {
      text(byId("call-error"), "Name the agent, queue or number to transfer to.");
      byId("transfer-target").focus();
      return null;
    }
    return {[kind]: value};
  }

  async dial(number, button = null) {
    if (!number) return;
    const done = await this.run("dial-error", "call.dial", {number}, button);
    if (done) this.announce(`Calling ${number}: your phone rings first.`);
  }

  // --- what arrives ----------------------------------------------------------------------

  snapshot(s) {
    this.floor.snapshot(s);
    clock.sync(s.at, s.options?.timezone);
    text(byId("zone"), clock.zone);
    header(session, s.user, () => this.signOut());
    const reasons = (s.options?.pause_reasons || []).map((r) => [r.code, r.label || r.code]);
    setOptions(byId("pause-reason"), reasons);
    setOptions(byId("derive-unit"),
               (s.options?.units || []).map((u) => [u.id, u.name || u.id]), "(choose a unit)");
    this.renderTargets();
    setOptions(byId("escalate-queue"),
               Object.keys(s.options?.dispositions || {}).map((q) => [q, q]),
               "(no queue: keep the call)");
    const me = this.me;
    const mine = [...this.floor.calls.values()].find(
      (c) => c.agent_id === me && (c.phase === "ringing" || c.phase === "talking"));
    if (mine) {
      this.setCall(mine);
    } else if (this.call) {
      this.leaveCall();
    }
    if (this.agent?.state !== "WRAP_UP") this.closeWrapUp();
    else if (!this.wrap && this.lastCall) this.openWrapUp(this.lastCall);
    if (this.agent?.state !== "READY") this.preview.clear();   // only a free agent previews
    if (!this.cases.hasCatalogue) this.cases.loadCatalogue();
    if (this.cases.caseId) this.cases.loadCase();
    this.renderState();
    this.renderCall();
  }

  event(e) {
    const me = this.me;
    const call = this.floor.event(e);
    if (e.type === "agent.state_changed") {
      if (e.agent_id === me) {
        if (e.data.state === "WRAP_UP" && this.lastCall) this.openWrapUp(this.lastCall);
        else if (e.data.state !== "WRAP_UP") this.closeWrapUp();
        this.renderState();
      }
      return;
    }
    if (this.preview.event(e)) return;
    if (e.type.startsWith("case.")) {
      this.cases.event(e);
      return;
    }
    if (e.type.startsWith("customer.")) {
      if (this.customer && e.customer_id === this.customer.id) this.loadCustomer(e.customer_id);
      return;
    }
    if (!call) return;
    const mine = this.call && this.call.interaction_id === e.interaction_id;
    switch (e.type) {
      case "call.offered":
        if (e.agent_id === me) {
          this.setCall(call);
          const pop = call.screen_pop || {};
          const name = pop.customer?.name || pop.campaign?.name || call.caller_number
            || "an unknown caller";
          this.announce(pop.campaign ? `Campaign ${pop.campaign.campaign}: your phone rings to `
            + `call ${name}. Answer it.` : pop.callback ? `Your phone rings to call ${name}. `
            + "Answer it." : `Call from ${name}. Answer on your phone.`, true);
        }
        break;
      case "call.answered":
        if (e.agent_id === me) this.setCall(call);
        break;
      case "call.offer_failed":
        if (mine && e.agent_id === me) {
          this.leaveCall(false);
          text(byId("call-error"), `The call was not taken at your phone (${e.data.reason}).`);
        }
        break;
      case "call.consult_started":
        if (mine) this.call.consult = {target: e.data.target, answered: false};
        break;
      case "call.consult_answered":
        if (mine && this.call.consult) this.call.consult.answered = true;
        break;
      case "call.consult_ended":
        if (mine) this.call.consult = null;
        break;
      case "call.agent_left":
        if (mine && e.agent_id === me) this.leaveCall();
        break;
      case "call.ended":
        if (mine) this.leaveCall();
        break;
      default:
        break;
    }
    if (mine || (this.call && this.call.interaction_id === e.interaction_id)) {
      if (e.case_id && !this.cases.caseId) this.cases.openCase(e.case_id);
      this.renderCall();
    }
  }

  setCall(call) {
    const fresh = !this.call || this.call.interaction_id !== call.interaction_id;
    if (!fresh && this.call.consult && !call.consult) call.consult = this.call.consult;
    this.call = call;   // the floor's record of it: events keep it up to date
    if (fresh) {
      this.lastCall = null;
      this.closeWrapUp();
      text(byId("call-error"), "");
      const pop = call.screen_pop || {};
      const customer = pop.customer?.customer_id || call.customer_id || null;
      this.cases.reset(pop.classification);
      const caseId = pop.case_id || call.case_id;
      if (caseId) this.cases.openCase(caseId);
      this.showCustomer(customer);
    }
    this.renderCall();
  }

  /** My part of the call is over (hung up, transferred, ended): keep it for wrap-up. */
  leaveCall(keep = true) {
    if (!this.call) return;
    this.lastCall = keep ? this.call : null;
    this.call = null;
    if (keep && this.agent?.state === "WRAP_UP") this.openWrapUp(this.lastCall);
    this.renderCall();
  }

  // --- wrap-up ------------------------------------------------------------------------

  openWrapUp(call) {
    if (this.wrap && this.wrap.interaction_id === call.interaction_id) return;
    this.wrap = call;
    const queue = call.queue || call.screen_pop?.queue;
    const dispositions = this.floor.dispositions(queue);
    setOptions(byId("wrapup-disposition"), dispositions,
               dispositions.length ? "(choose a disposition)" : "(none for this queue)");
    byId("wrapup-disposition").required = dispositions.length > 0;
    const who = call.screen_pop?.customer?.name || call.caller_number || "the last call";
    text(byId("wrapup-call"), who);
    byId("wrapup-notes").value = "";
    text(byId("wrapup-error"), "");
    byId("wrapup-panel").hidden = false;
  }

  closeWrapUp() {
    this.wrap = null;
    byId("wrapup-panel").hidden = true;
  }

  async finishWrapUp(button) {
    if (!this.wrap) return;
    const args = {interaction_id: this.wrap.interaction_id};
    if (byId("wrapup-disposition").value) args.disposition = byId("wrapup-disposition").value;
    const notes = byId("wrapup-notes").value.trim();
    if (notes) args.notes = notes;
    Object.assign(args, this.cases.unsaved());   // the case panel's unsaved choice goes too
    const done = await this.run("wrapup-error", "call.wrap_up", args, button);
    if (done) {
      this.closeWrapUp();
      this.announce("Wrap-up finished.");
    }
  }

  // --- the customer ---------------------------------------------------------------------

  showCustomer(customerId) {
    const panel = byId("history-panel");
    if (!customerId || customerId === UNIDENTIFIED) {
      this.customer = null;
      panel.hidden = true;
      return;
    }
    this.customer = {id: customerId};
    panel.hidden = false;
    this.loadCustomer(customerId);
  }

  async loadCustomer(customerId) {
    try {
      const [customer, cases] = await Promise.all([
        session.get(`/customers/${encodeURIComponent(customerId)}`),
        session.get(`/cases?customer=${encodeURIComponent(customerId)}&limit=20`)
          .catch(() => []),
      ]);
      if (this.customer?.id !== customerId) return;
      this.customer = {...customer, cases};
    } catch (err) {
      if (this.customer?.id !== customerId) return;
      this.customer = {id: customerId, error: describe(err)};
    }
    this.renderHistory();
  }

  renderHistory() {
    const pop = (this.call || this.lastCall)?.screen_pop;
    fill(byId("history"), renderHistory(this.customer, pop?.history, this.cases.catalogue, clock,
                                        (number) => this.dial(number)));
  }

  // --- drawing ---------------------------------------------------------------------------

  renderTargets() {
    const kind = byId("transfer-kind").value;
    const queues = Object.keys(this.floor.options.dispositions || {});
    const options = kind === "queue" ? queues : kind === "agent"
      ? [...this.floor.agents.keys()].filter((a) => a !== this.me) : [];
    fill(byId("transfer-targets"), options.map((o) => h("option", {value: o})));
    byId("transfer-target").setAttribute("inputmode", kind === "number" ? "tel" : "text");
  }

  renderState() {
    const a = this.agent;
    const has = Boolean(this.me);
    const state = a?.state || "LOGGED_OUT";
    const badge = byId("state");
    text(badge, has ? STATE_LABELS[state] || state : "No agent");
    badge.dataset.state = state;
    text(byId("state-reason"), state === "NOT_READY" ? this.floor.reasonLabel(a?.reason) : "");
    text(byId("phone"), a?.endpoint || "–");
    const pending = byId("pending");
    if (a?.pending && BUSY.has(state)) {
      const word = {READY: "ready", NOT_READY: "paused", LOGGED_OUT: "logged out"}[a.pending] || a.pending;
      text(pending, `After this call you will be ${word}.`);
      pending.hidden = false;
    } else {
      pending.hidden = true;
    }
    const live = this.conn.state === "live";
    byId("btn-login").disabled = !has || !live || state !== "LOGGED_OUT";
    byId("btn-ready").disabled = !has || !live || state === "LOGGED_OUT" || state === "READY";
    byId("btn-pause").disabled = !has || !live || state === "LOGGED_OUT"
      || !byId("pause-reason").value;
    byId("btn-logout").disabled = !has || !live || state === "LOGGED_OUT";
    if (!has) text(byId("state-error"), "This user has no agent: it cannot take calls here.");
    this.tick();
  }

  renderCall() {
    const call = this.call;
    byId("no-call").hidden = Boolean(call) || this.preview.visible;
    const pop = byId("pop");
    const controls = byId("controls");
    if (!call) {
      pop.hidden = true;
      controls.hidden = true;
      if (this.customer) this.renderHistory();
      return;
    }
    pop.hidden = false;
    fill(pop, renderPop(call, this.cases.catalogue, clock));
    const talking = call.phase === "talking";
    controls.hidden = !talking;
    const consult = call.consult;
    byId("btn-hold").hidden = call.held;
    byId("btn-resume").hidden = !call.held;
    byId("btn-hold").disabled = Boolean(consult);
    byId("btn-resume").disabled = Boolean(consult);
    byId("btn-transfer").disabled = Boolean(consult);
    byId("btn-consult").hidden = Boolean(consult);
    byId("btn-consult-complete").hidden = !consult;
    byId("btn-consult-complete").disabled = !consult?.answered;
    byId("btn-consult-cancel").hidden = !consult;
    if (this.customer) this.renderHistory();
  }

  tick() {
    text(byId("clock"), clock.time(clock.now()));
    const a = this.agent;
    text(byId("state-time"), a ? duration(clock.since(a.since)) : "");
    const timer = document.getElementById("call-timer");
    if (timer && this.call && a && (a.state === "RESERVED" || a.state === "ON_CALL")) {
      text(timer, duration(clock.since(a.since)));
    }
    if (this.wrap && a?.state === "WRAP_UP") text(byId("wrapup-time"), duration(clock.since(a.since)));
    this.preview.tick();
    this.link.tick();
  }

  announce(message, loud = false) {
    const box = byId("announce");
    text(box, "");
    setTimeout(() => text(box, message), 50);
    if (loud) document.title = `${message} · Agent desktop`;
    else document.title = "Agent desktop · asterisk-cti";
  }
}

boot();
