// The case of the call at the agent desktop: the catalogue's four pickers with the
// answer for the question chosen, call type, notes, attachments, derivation and
// status, over the case commands and GET /cases/{id}. The agent's picks are never
// overwritten by a read that arrives late.

import {Pickers} from "./catalogue.js";
import {byId, describe, fill, h, text} from "./dom.js";

export class CasePanel {
  /**
   * session: the signed-in Session; clock: the centre's Clock;
   * run(errorId, name, args, button): send a command, its error shown in #errorId;
   * announce(message): tell the user; interaction(): the call the agent is on or left last.
   */
  constructor({session, clock, run, announce, interaction}) {
    this.session = session;
    this.clock = clock;
    this.run = run;
    this.announce = announce;
    this.interaction = interaction;
    this.caseId = null;
    this.case = null;
    this.catalogue = {};
    this.classDirty = false;          // the agent changed the pickers since the last save
    this.pendingClassification = false;
    this.onCatalogue = () => {};
    this.pickers = new Pickers({topic: byId("cat-topic"), reason: byId("cat-reason"),
                                sub_reason: byId("cat-sub-reason"),
                                question: byId("cat-question")},
                               () => this.renderAnswer());
    const form = (id, fn) => byId(id).addEventListener("submit", (ev) => {
      ev.preventDefault();
      fn(ev.submitter || ev.target.querySelector("button[type=submit]"));
    });
    form("classify-form", (button) => this.classify(button));
    form("note-form", (button) => this.addNote(button));
    form("attach-form", (button) => this.attach(button));
    form("derive-form", (button) => this.derive(button));
    form("status-form", (button) => this.setStatus(button));
    for (const id of ["cat-topic", "cat-reason", "cat-sub-reason", "cat-question", "call-type"]) {
      byId(id).addEventListener("change", () => { this.classDirty = true; });
    }
  }

  get hasCatalogue() {
    return Object.keys(this.catalogue).length > 0;
  }

  /** A new call: no case yet, the pickers at the IVR's classification. */
  reset(classification) {
    this.caseId = null;
    this.case = null;
    byId("case-panel").hidden = true;
    this.classDirty = false;
    this.pickers.set(classification || {});
  }

  /** A case event: open the call's case, or follow the one shown. */
  event(e) {
    const iid = this.interaction();
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

  /** What the pickers hold and the case does not have yet (for the wrap-up). */
  unsaved() {
    const out = {};
    const chosen = this.pickers.value();
    const saved = this.case || {};
    if (chosen.topic && ["topic", "reason", "sub_reason", "question"]
      .some((k) => (chosen[k] || null) !== (saved[k] || null))) out.classification = chosen;
    const callType = byId("call-type").value;
    if (callType && callType !== saved.call_type) out.call_type = callType;
    return out;
  }

  async loadCatalogue() {
    try {
      this.catalogue = await this.session.get("/catalogue");
    } catch (err) {
      text(byId("case-error"), `The catalogue could not be read: ${describe(err)}`);
      this.catalogue = {};
    }
    const chosen = this.pickers.value();
    this.pickers.load(this.catalogue);
    if (chosen.topic) this.pickers.set(chosen);
    this.onCatalogue();
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
      found = await this.session.get(`/cases/${encodeURIComponent(caseId)}`);
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
         named, " · opened ", this.clock.dateTime(c.opened_at),
         c.unit ? ` · ${c.unit}` : "", c.open_derivations ? ` · ${c.open_derivations} derivation(s) open` : "");
    fill(byId("notes"), (c.notes || []).map((n) => h("li", {},
      h("span", {class: "meta"}, `${this.clock.dateTime(n.at)} · ${n.author}`), h("p", {}, n.text))));
    if (!(c.notes || []).length) fill(byId("notes"), h("li", {class: "muted"}, "No notes yet."));
    fill(byId("attachments"), (c.attachments || []).map((a) => h("li", {},
      h("button", {type: "button", class: "link-button",
                   onclick: () => this.download(c.id, a)}, a.name),
      h("span", {class: "meta"}, ` ${Math.ceil(a.size / 1024)} KiB · ${a.added_by} · ${this.clock.dateTime(a.at)}`))));
    if (!(c.attachments || []).length) {
      fill(byId("attachments"), h("li", {class: "muted"}, "No attachments."));
    }
  }

  async download(caseId, attachment) {
    try {
      const response = await fetch(`/api/v1/cases/${encodeURIComponent(caseId)}/attachments/${encodeURIComponent(attachment.id)}`,
                                   {headers: {Authorization: `Bearer ${this.session.token}`}});
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
    const iid = this.interaction();
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
      const uploadId = await this.session.upload(file);
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
}
