// The preview card (docs/outbound.md, "Preview"): the contact a preview campaign
// offers this agent (`campaign.contact_previewed`), the time left to decide, and
// *Dial* / *Skip*, sent as POST /campaigns/previews/{agent_id}. The card goes when
// the offer is decided (`campaign.preview_decided`: dial, skip, timeout, withdrawn),
// when the answer to the POST says so, or a little after its time ran out.

import {contactFacts} from "./contact.js";
import {byId, describe, duration, fill, h, text} from "./dom.js";

/** Seconds past the deadline before the card goes without the server's word. */
const GRACE = 3;
/** What the agent hears when the card goes, by decision. */
const GONE = {
  dial: (who) => `Calling ${who}: your phone rings first, then the contact's.`,
  skip: (who) => `Skipped ${who}.`,
  timeout: (who) => `The time to decide on ${who} ran out.`,
  withdrawn: (who) => `The preview of ${who} was taken back.`,
};

export class PreviewCard {
  /**
   * @param session  the signed-in Session (REST)
   * @param clock    the server's Clock (deadlines are server time)
   * @param agent    () => my agent id
   * @param announce (message, loud) => void
   * @param changed  () => void: the card appeared or went
   */
  constructor({session, clock, agent, announce, changed}) {
    Object.assign(this, {session, clock, agent, announce, changed});
    this.el = byId("preview");
    this.offer = null;
    this.busy = false;
  }

  get visible() {
    return this.offer !== null;
  }

  /** A preview's event (true), or not one (false). */
  event(e) {
    if (e.type === "campaign.contact_previewed") {
      if (e.agent_id === this.agent()) this.show(e);
      return true;
    }
    if (e.type === "campaign.preview_decided") {
      const o = this.offer;
      if (o && e.agent_id === o.agent_id && e.data?.campaign === o.campaign
          && e.data?.contact_id === o.contact_id) {
        this.close(e.data.decision);
      }
      return true;
    }
    return false;
  }

  show(e) {
    const d = e.data || {};
    const until = Number(e.ts) + Number(d.timeout || 0);
    if (!(until > this.clock.now())) return;   // an offer replayed after its time
    this.offer = {...d, agent_id: e.agent_id, interaction_id: e.interaction_id, until};
    this.busy = false;
    const who = d.name || d.number;
    fill(this.el,
         h("header", {class: "pop-head"},
           h("h3", {id: "preview-title"}, `Preview: ${who}`),
           h("span", {class: "tag"}, "campaign")),
         h("p", {class: "pop-status"}, "Call this contact? ",
           h("span", {class: "timer", role: "timer", "aria-live": "off"},
             h("span", {id: "preview-left"}), " left")),
         contactFacts(d),
         h("div", {class: "buttons"},
           h("button", {type: "button", id: "btn-preview-dial", class: "primary",
                        onclick: (ev) => this.decide("dial", ev.currentTarget)}, "Dial"),
           h("button", {type: "button", id: "btn-preview-skip",
                        onclick: (ev) => this.decide("skip", ev.currentTarget)}, "Skip")),
         h("p", {id: "preview-error", class: "error", role: "alert"}));
    this.el.hidden = false;
    this.tick();
    this.changed();
    this.announce(`Campaign ${d.campaign}: ${who}. Dial or skip within `
                  + `${duration(until - this.clock.now())}.`, true);
    const typing = document.activeElement?.closest?.("input, textarea, select, [contenteditable]");
    if (!typing) byId("btn-preview-dial").focus();
  }

  /** The offer is over (`decision`: dial, skip, timeout, withdrawn, gone). */
  close(decision) {
    const o = this.offer;
    if (!o) return;
    const hadFocus = this.el.contains(document.activeElement);
    this.offer = null;
    this.el.hidden = true;
    fill(this.el);
    this.changed();
    const said = GONE[decision];
    if (said) this.announce(said(o.name || o.number));
    if (hadFocus) byId("call-panel").focus();
  }

  /** Forget the offer without a word (a fresh snapshot: the agent is not free). */
  clear() {
    if (this.offer) this.close("gone");
  }

  async decide(decision, button) {
    const o = this.offer;
    if (!o || this.busy) return;
    this.busy = true;
    const error = byId("preview-error");
    text(error, "");
    for (const b of this.el.querySelectorAll("button")) b.disabled = true;
    try {
      await this.session.request("POST",
        `/campaigns/previews/${encodeURIComponent(o.agent_id)}`, {decision});
      if (this.offer === o) this.close(decision);
    } catch (err) {
      if (this.offer !== o) return;
      if (err.code === "no-such-preview") {
        this.close("gone");
        this.announce(`${o.name || o.number} is no longer yours to call.`);
        return;
      }
      this.busy = false;
      for (const b of this.el.querySelectorAll("button")) b.disabled = false;
      text(error, describe(err));
      button?.focus();
    }
  }

  /** Redraw the time left (every second); past the deadline the card goes. */
  tick() {
    const o = this.offer;
    if (!o) return;
    const left = o.until - this.clock.now();
    if (left < -GRACE) {
      this.close("timeout");
      return;
    }
    const out = document.getElementById("preview-left");
    if (out) text(out, duration(Math.max(0, left)));
  }
}
