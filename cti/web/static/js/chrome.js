// What both pages share around their content: the connection banner and status,
// the centre's clock, signing out, and the one-second tick that redraws timers.

import {byId, h, fill, text} from "./dom.js";

/** Show the connection's state: a banner while it is down, a status word always. */
export class LinkView {
  constructor() {
    this.banner = byId("banner");
    this.link = byId("link");
    this.retryAt = null;
    this.state = "idle";
    this.detail = "";
  }

  update({state, detail, retryIn}) {
    const was = this.state;
    this.state = state;
    this.detail = detail || "";
    this.retryAt = retryIn ? Date.now() + retryIn * 1000 : null;
    this.link.dataset.state = state;
    if (state === "live") {
      const back = was !== "live" && was !== "connecting";
      text(this.link, back ? "Connected: caught up" : "Connected");
      clearTimeout(this._calm);
      if (back) {
        this._calm = setTimeout(() => {
          if (this.state === "live") text(this.link, "Connected");
        }, 10_000);
      }
      this.banner.hidden = true;
      fill(this.banner);
      return;
    }
    if (state === "signed-out" || state === "idle") {
      this.banner.hidden = true;
      text(this.link, "");
      return;
    }
    text(this.link, {connecting: "Connecting…", reconnecting: "Reconnecting…",
                     down: "Disconnected", "catching-up": "Catching up…",
                     broken: "Stopped"}[state] || state);
    if (state === "connecting") return;
    this.banner.hidden = false;
    this.banner.className = `banner ${state === "broken" ? "broken" : "down"}`;
    this.tick();
  }

  /** Redraw the countdown (every second while down). */
  tick() {
    if (this.banner.hidden) return;
    if (this.state === "broken") {
      fill(this.banner, h("strong", {}, "Stopped. "), this.detail, " ",
           h("button", {type: "button", onclick: () => location.reload()}, "Reload"));
      return;
    }
    if (this.state === "catching-up") {
      fill(this.banner, h("strong", {}, "Catching up: "), "bringing this page up to date…");
      return;
    }
    const left = this.retryAt ? Math.max(0, Math.ceil((this.retryAt - Date.now()) / 1000)) : 0;
    fill(this.banner, h("strong", {}, "Connection lost"),
         this.detail ? ` (${this.detail}). ` : ". ",
         this.state === "down" && left > 0 ? `Reconnecting in ${left} s. ` : "Reconnecting now. ",
         "What you see may be out of date; it will catch up when the connection returns.");
  }
}

/** Call `fn` every second (timers, clock, countdown). */
export function everySecond(fn) {
  fn();
  return setInterval(fn, 1000);
}

/** The header's user line and sign-out button. */
export function header(session, user, onSignOut) {
  const role = user.role === "agent" ? "" : ` (${user.role})`;
  text(byId("who"), `${user.name || user.id}${role}`);
  byId("signout").onclick = onSignOut;
}
