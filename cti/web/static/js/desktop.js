// The agent desktop (/): state, screen-pop, call controls, the case, wrap-up,
// the customer's history and click to dial, over the public API only.

import {Session} from "./api.js";
import {Pickers} from "./catalogue.js";
import {LinkView, everySecond, header} from "./chrome.js";
import {Clock} from "./clock.js";
import {byId, describe, duration, fill, h, setOptions, text} from "./dom.js";
import {Floor} from "./floor.js";
import {renderHistory, renderPop} from "./pop.js";
import {showSignIn} from "./signin.js";
import {Connection} from "./socket.js";

const UNIDENTIFIED = "00000000-0000-0000-0000-000000000001";
const BUSY = new Set(["RESERVED", "ON_CALL", "WRAP_UP"]);
const STATE_LABELS = {LOGGED_OUT: "Logged out", NOT_READY: "Paused", READY: "Ready",
                      RESERVED: "Ringing", ON_CALL: "On a call", WRAP_UP: "Wrap-up"};

const session = new Session();
const clock = new Clock();
let current = null;

function boot(message = "") {
  if (session.signedIn) run();
  else showSignIn(session, run, message);
}

function run() {
  byId("signin").hidden = true;
  byId("app").hidden = false;
  current?.stop();
  current = new Desktop();
  current.start();
}

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
    this.caseId = null;
    this.case = null;
    this.customer = null;
    this.catalogue = {};
    this._caseTimer = null;
    this.pickers = new Pickers({topic: byId("cat-topic"), reason: byId("cat-reason"),
                                sub_reason: byId("cat-sub-reason"),
                                question: byId("cat-question")},
                               () => this.renderAnswer());
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
    form("classify-form", (button) => this.classify(button));
    for (const id of ["cat-topic", "cat-reason", "cat-sub-reason", "cat-question", "call-type"]) {
      on(id, "change", () => { this.classDirty = true; });   // the agent's choice wins
    }
    form("note-form", (button) => this.addNote(button));
    form("attach-form", (button) => this.attach(button));
    form("derive-form", (button) => this.derive(button));
    form("status-form", (button) => this.setStatus(button));
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
    const args = {number};
    if (this.customer?.id) args.customer_id = this.customer.id;
    if (this.caseId) args.case_id = this.caseId;
    const done = await this.run("dial-error", "call.dial", args, button);
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
    if (!Object.keys(this.catalogue).length) this.loadCatalogue();
    if (this.caseId) this.loadCase();
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
    if (e.type.startsWith("case.")) {
      this.caseEvent(e);
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
          const name = call.screen_pop?.customer?.name || call.caller_number || "an unknown caller";
          this.announce(`Call from ${name}. Answer on your phone.`, true);
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
      if (e.case_id && !this.caseId) this.openCase(e.case_id);
      this.renderCall();
    }
  }

  caseEvent(e) {
    const iid = this.call?.interaction_id || this.lastCall?.interaction_id;
    if ((e.type === "case.opened" || e.type === "case.interaction_linked")
        && e.interaction_id && e.interaction_id === iid && e.case_id !== this.caseId) {
      this.openCase(e.case_id);
      return;
    }
    if (e.case_id && e.case_id === this.caseId) {
      if (e.type === "case.classified" && !this.classDirty) {
        // absolute values: show them at once (the case's rows may lag a moment behind)
        this.pendingClassification = false;
        this.pickers.set(e.data);
        if (e.data.call_type) byId("call-type").value = e.data.call_type;
      }
      this.loadCaseSoon();
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
      this.caseId = null;
      this.case = null;
      byId("case-panel").hidden = true;
      const caseId = pop.case_id || call.case_id;
      if (caseId) this.openCase(caseId);
      this.classDirty = false;
      this.pickers.set(pop.classification || {});
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
    // what the case panel holds and was not saved yet goes with the wrap-up
    const chosen = this.pickers.value();
    const saved = this.case || {};
    if (chosen.topic && ["topic", "reason", "sub_reason", "question"]
      .some((k) => (chosen[k] || null) !== (saved[k] || null))) args.classification = chosen;
    const callType = byId("call-type").value;
    if (callType && callType !== saved.call_type) args.call_type = callType;
    const done = await this.run("wrapup-error", "call.wrap_up", args, button);
    if (done) {
      this.closeWrapUp();
      this.announce("Wrap-up finished.");
    }
  }

  // --- the case -----------------------------------------------------------------------

  async loadCatalogue() {
    try {
      this.catalogue = await session.get("/catalogue");
    } catch (err) {
      text(byId("case-error"), `The catalogue could not be read: ${describe(err)}`);
      this.catalogue = {};
    }
    const chosen = this.pickers.value();
    this.pickers.load(this.catalogue);
    if (chosen.topic) this.pickers.set(chosen);
    this.renderCall();
  }

  openCase(caseId) {
    this.caseId = caseId;
    this.case = null;
    this.classDirty = false;
    this.pendingClassification = true;
    byId("case-panel").hidden = false;
    text(byId("case-ref"), caseId.slice(0, 8));
    fill(byId("notes"));
    fill(byId("attachments"));
    this.loadCase();
  }

  /** After an event of the case: its rows follow the event within a moment. */
  loadCaseSoon() {
    clearTimeout(this._caseTimer);
    clearTimeout(this._caseLate);
    this._caseTimer = setTimeout(() => this.loadCase(), 150);
    this._caseLate = setTimeout(() => this.loadCase(), 1500);
  }

  async loadCase(attempt = 0) {
    const caseId = this.caseId;
    if (!caseId) return;
    const ask = this._caseAsk = (this._caseAsk || 0) + 1;   // only the latest answer counts
    let found;
    try {
      found = await session.get(`/cases/${encodeURIComponent(caseId)}`);
    } catch (err) {
      if (caseId !== this.caseId || ask !== this._caseAsk) return;
      if (err.code === "no-such-case" && attempt < 20) {
        // the case's events reach desktops as soon as they are journalled; its rows
        // follow within a moment
        clearTimeout(this._caseTimer);
        this._caseTimer = setTimeout(() => this.loadCase(attempt + 1), 250);
      } else {
        this.loadError = `The case could not be read: ${describe(err)}`;
        text(byId("case-error"), this.loadError);
      }
      return;
    }
    if (caseId !== this.caseId || ask !== this._caseAsk) return;
    if (this.loadError && byId("case-error").textContent === this.loadError) {
      text(byId("case-error"), "");
    }
    this.loadError = null;
    this.case = found;
    if (this.pendingClassification && !this.classDirty) {
      this.pendingClassification = false;
      const levels = {topic: found.topic, reason: found.reason, sub_reason: found.sub_reason,
                      question: found.question};
      if (found.topic) this.pickers.set(levels);
      byId("call-type").value = found.call_type || "";
    }
    byId("case-status").value = found.status;
    this.renderCase();
  }

  renderCase() {
    const c = this.case;
    if (!c) return;
    const labels = c.classification?.labels || {};
    const named = ["topic", "reason", "sub_reason", "question"].map((k) => labels[k] || c[k])
      .filter(Boolean).join(" › ") || "not classified";
    fill(byId("case-line"),
         h("span", {class: `status status-${c.status}`}, c.status), " ",
         named, " · opened ", clock.dateTime(c.opened_at),
         c.unit ? ` · ${c.unit}` : "", c.open_derivations ? ` · ${c.open_derivations} derivation(s) open` : "");
    fill(byId("notes"), (c.notes || []).map((n) => h("li", {},
      h("span", {class: "meta"}, `${clock.dateTime(n.at)} · ${n.author}`), h("p", {}, n.text))));
    if (!(c.notes || []).length) fill(byId("notes"), h("li", {class: "muted"}, "No notes yet."));
    fill(byId("attachments"), (c.attachments || []).map((a) => h("li", {},
      h("button", {type: "button", class: "link-button",
                   onclick: () => this.download(c.id, a)}, a.name),
      h("span", {class: "meta"}, ` ${Math.ceil(a.size / 1024)} KiB · ${a.added_by} · ${clock.dateTime(a.at)}`))));
    if (!(c.attachments || []).length) {
      fill(byId("attachments"), h("li", {class: "muted"}, "No attachments."));
    }
  }

  async download(caseId, attachment) {
    try {
      const response = await fetch(`/api/v1/cases/${encodeURIComponent(caseId)}/attachments/${encodeURIComponent(attachment.id)}`,
                                   {headers: {Authorization: `Bearer ${session.token}`}});
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      const url = URL.createObjectURL(await response.blob());
      const a = h("a", {href: url, download: attachment.name});
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      text(byId("case-error"), `Download failed: ${describe(err)}`);
    }
  }

  async caseCommand(name, args, button) {
    if (!this.caseId) return null;
    const done = await this.run("case-error", name, {case_id: this.caseId, ...args}, button);
    if (done?.stored) this.loadCase();   // stored: the case's rows show it now
    return done;
  }

  async classify(button) {
    const args = {classification: this.pickers.value()};
    const callType = byId("call-type").value;
    if (callType) args.call_type = callType;
    if (await this.caseCommand("case.classify", args, button)) {
      this.classDirty = false;
      this.announce("Classification saved.");
    }
  }

  async addNote(button) {
    const area = byId("note-text");
    const args = {text: area.value.trim()};
    const iid = this.call?.interaction_id || this.lastCall?.interaction_id;
    if (iid) args.interaction_id = iid;
    if (await this.caseCommand("case.note", args, button)) {
      area.value = "";
      this.announce("Note added.");
    }
  }

  async attach(button) {
    const input = byId("attach-file");
    const file = input.files?.[0];
    if (!file || !this.caseId) return;
    button.disabled = true;
    text(byId("case-error"), "");
    try {
      const uploadId = await session.upload(file);
      if (await this.caseCommand("case.attach", {upload_id: uploadId}, button)) {
        input.value = "";
        this.announce(`${file.name} attached.`);
      }
    } catch (err) {
      text(byId("case-error"), describe(err));
    } finally {
      button.disabled = false;
    }
  }

  async derive(button) {
    const reason = byId("derive-reason");
    const args = {unit: byId("derive-unit").value, reason: reason.value.trim()};
    if (await this.caseCommand("case.derive", args, button)) {
      reason.value = "";
      this.announce("Case derived.");
    }
  }

  async setStatus(button) {
    const args = {status: byId("case-status").value};
    const resolution = byId("case-resolution").value.trim();
    if (resolution) args.resolution = resolution;
    if (await this.caseCommand("case.set_status", args, button)) {
      byId("case-resolution").value = "";
      this.announce(`Case ${args.status}.`);
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
    fill(byId("history"), renderHistory(this.customer, pop?.history, this.catalogue, clock,
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
    byId("no-call").hidden = Boolean(call);
    const pop = byId("pop");
    const controls = byId("controls");
    if (!call) {
      pop.hidden = true;
      controls.hidden = true;
      if (this.customer) this.renderHistory();
      return;
    }
    pop.hidden = false;
    fill(pop, renderPop(call, this.catalogue, clock));
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

  renderAnswer() {
    const box = byId("answer");
    const answer = this.pickers.answer();
    if (!answer) {
      box.hidden = true;
      fill(box);
      return;
    }
    box.hidden = false;
    fill(box, h("h3", {}, "Answer for ", this.pickers.labels().at(-1) || "this question"),
         h("p", {}, answer));
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
