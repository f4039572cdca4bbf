// The desktop's WebSocket (docs/api.md): auth first, then a snapshot or the events
// missed since the last one seen (resume), then live events; commands with ids that
// are resent, unchanged, after a reconnect (the server answers a repeated id once).
// Every close code of the protocol has its action:
//   1000          signed out on this socket           -> the sign-in page
//   1001 1006 1011 4005 (and any other)               -> reconnect with backoff, resume
//   1009 4000     the client sent what it must not    -> stop, say so
//   4001 4002 4003 4004  no, bad, expired or revoked token, or Origin refused
//                                                     -> the sign-in page, saying why

const RETRY = new Set([1001, 1006, 1011, 4005]);
const BROKEN = new Set([1009, 4000]);
const SIGN_IN = {
  4001: "The service did not receive the sign-in in time. Sign in again.",
  4002: "This session is not valid for this service (it may have been restarted on a new database). Sign in again.",
  4003: "Your session expired. Sign in again.",
  4004: "Your session was ended (signed out elsewhere, password changed or account disabled). Sign in again.",
};
const BACKOFF = [0.5, 1, 2, 4, 8, 15, 30];       // seconds, then 30 s
const COMMAND_TIMEOUT = 20_000;                   // ms without a reply: the command failed
const PING_EVERY = 20_000;                        // ms
const SILENT_LIMIT = 45_000;                      // ms without any frame: the link is dead

/** What a page gives the connection. Every member is optional. */
//   onSnapshot(snapshot)  onEvent(event)  onStats(stats)  onStatus(agentStatus)
//   onNotice(notice)      onState({state, detail, retryIn})  onSignedOut(message)
//   onError(error)

export class Connection {
  constructor(session, handlers) {
    this.session = session;
    this.h = handlers;
    this.ws = null;
    this.epoch = null;
    this.seq = null;
    this.attempt = 0;
    this.state = "idle";
    this.stopped = false;
    this.pending = new Map();        // id -> {name, args, resolve, reject, timer, sent}
    this.ids = 0;
    this.prefix = `d${Math.random().toString(36).slice(2, 8)}`;
    this.lastFrameAt = 0;
    this._retryTimer = null;
    this._pingTimer = null;
  }

  start() {
    this.stopped = false;
    this._open();
  }

  /** Close for good (signing out): no reconnect. */
  stop() {
    this.stopped = true;
    clearTimeout(this._retryTimer);
    clearInterval(this._pingTimer);
    if (this.ws) this.ws.close(1000, "bye");
    this._failAll("the connection was closed");
  }

  /** Send a command; resolves with its result, rejects with {code, message}. */
  command(name, args = {}) {
    const id = `${this.prefix}-${++this.ids}`;
    return new Promise((resolve, reject) => {
      const entry = {name, args, resolve, reject, sent: false, timer: null};
      entry.timer = setTimeout(() => {
        this.pending.delete(id);
        reject({code: "no-reply", message: `${name}: no answer from the service`});
      }, COMMAND_TIMEOUT);
      this.pending.set(id, entry);
      this._sendCommand(id, entry);
    });
  }

  /** Ask for a fresh snapshot (after a gap the page cannot fill itself). */
  refresh() {
    this._send({type: "snapshot"});
  }

  // --- the socket -------------------------------------------------------------------------

  _open() {
    clearTimeout(this._retryTimer);
    if (!this.session.token) {
      this._signedOut("Sign in to continue.");
      return;
    }
    this._setState(this.attempt ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    this.ws = ws;
    ws.onopen = () => {
      const auth = {type: "auth", token: this.session.token};
      if (this.epoch && this.seq !== null) auth.resume = {epoch: this.epoch, seq: this.seq};
      ws.send(JSON.stringify(auth));
      this.lastFrameAt = Date.now();
      clearInterval(this._pingTimer);
      this._pingTimer = setInterval(() => this._keepAlive(), PING_EVERY);
    };
    ws.onmessage = (msg) => {
      if (ws !== this.ws) return;
      this.lastFrameAt = Date.now();
      let doc;
      try {
        doc = JSON.parse(msg.data);
      } catch {
        return;
      }
      this._receive(doc);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      clearInterval(this._pingTimer);
      for (const entry of this.pending.values()) entry.sent = false;
      this._closed(ev.code, ev.reason);
    };
  }

  _keepAlive() {
    if (!this.ws) return;
    if (Date.now() - this.lastFrameAt > SILENT_LIMIT) {
      this.ws.close(4999, "no answer");   // onclose reconnects (4999: our own, not the server's)
      return;
    }
    this._send({type: "ping"});
  }

  _closed(code, reason) {
    if (this.stopped) return;
    if (code === 1000) {
      this._signedOut("You signed out.");
    } else if (SIGN_IN[code]) {
      this.session.forget();
      this._signedOut(SIGN_IN[code]);
    } else if (BROKEN.has(code)) {
      this._failAll("the connection was refused");
      this._setState("broken", `The service refused this page's messages (code ${code}${reason ? `: ${reason}` : ""}). Reload the page; if it happens again, report it.`);
    } else {
      // 1001 stopping, 1006 network lost, 1011 server failure, 4005 too slow, and anything
      // unknown: come back, and catch up from the last event seen.
      this._retry(RETRY.has(code) ? code : 1006);
    }
  }

  _retry(code) {
    const delay = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)] * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    const why = {1001: "the service is restarting", 1011: "the service failed",
                 4005: "this page fell behind"}[code] || "the connection dropped";
    this._setState("down", why, delay);
    this._retryTimer = setTimeout(() => this._open(), delay * 1000);
  }

  _signedOut(message) {
    this.stopped = true;
    clearTimeout(this._retryTimer);
    this._failAll("signed out");
    this._setState("signed-out", message);
    this.h.onSignedOut?.(message);
  }

  _failAll(why) {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject({code: "not-sent", message: `${entry.name}: ${why}`});
      this.pending.delete(id);
    }
  }

  _setState(state, detail = "", retryIn = null) {
    this.state = state;
    this.h.onState?.({state, detail, retryIn});
  }

  _send(doc) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.state === "live") {
      this.ws.send(JSON.stringify(doc));
      return true;
    }
    return false;
  }

  _sendCommand(id, entry) {
    entry.sent = this._send({type: "command", id, name: entry.name, args: entry.args});
  }

  // --- what arrives ----------------------------------------------------------------------

  _receive(doc) {
    const type = doc.type;
    if (typeof type !== "string") return;
    if (doc.seq !== undefined && doc.data !== undefined) {   // a domain event
      if (this.seq === null || doc.seq > this.seq) this.seq = doc.seq;
      this.h.onEvent?.(doc);
      return;
    }
    switch (type) {
      case "welcome":
        if (this.epoch && doc.epoch !== this.epoch) this.seq = null;
        this.epoch = doc.epoch;
        if (doc.user) this.session.save(this.session.token, doc.user);
        break;
      case "snapshot":
        this.epoch = doc.epoch;
        this.seq = doc.seq;
        this.h.onSnapshot?.(doc);
        this._live();
        break;
      case "replayed":
        if (doc.seq > (this.seq ?? -1)) this.seq = doc.seq;
        this._live(doc.count);
        break;
      case "reply": {
        const entry = this.pending.get(doc.id);
        if (!entry) break;
        this.pending.delete(doc.id);
        clearTimeout(entry.timer);
        if (doc.ok) entry.resolve(doc.result ?? {});
        else entry.reject(doc.error || {code: "refused", message: `${entry.name} refused`});
        break;
      }
      case "stats":
        this.h.onStats?.(doc);
        break;
      case "agent.status":
        this.h.onStatus?.(doc);
        break;
      case "notice":
        this.h.onNotice?.(doc);
        break;
      case "expiring":
        this._send({type: "renew"});
        break;
      case "token":
        this.session.save(doc.token);
        break;
      case "resync":
        this._setState("catching-up", "bringing this page up to date");
        break;
      case "error":
        this.h.onError?.(doc);
        break;
      case "pong":
        break;
      default:
        break;   // a type this page does not know: ignore it (the protocol may grow)
    }
  }

  _live(replayed = null) {
    this.attempt = 0;
    const wasDown = this.state !== "live";
    this._setState("live", replayed === null ? "" : `caught up (${replayed} events)`);
    if (wasDown) {
      for (const [id, entry] of this.pending) if (!entry.sent) this._sendCommand(id, entry);
    }
  }
}
