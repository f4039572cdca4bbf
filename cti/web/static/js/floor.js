// The live state a page shows: agents, queues and calls, from the snapshot, then
// kept up to date by domain events, `stats` and `agent.status`. Events carry
// absolute states, so applying one the snapshot already shows changes nothing.

const BUSY = new Set(["RESERVED", "ON_CALL", "WRAP_UP"]);

export class Floor {
  constructor() {
    this.user = null;
    this.options = {pause_reasons: [], dispositions: {}, units: [], desks: []};
    this.agents = new Map();
    this.queues = new Map();
    this.calls = new Map();
    this.centre = {mode: "normal", message: null, closed_queues: []};
  }

  snapshot(s) {
    this.user = s.user;
    this.options = {...this.options, ...(s.options || {})};
    this.centre = s.centre || s.center || this.centre;
    this.agents = new Map((s.agents || []).map((a) => [a.agent_id, {...a}]));
    this.queues = new Map((s.queues || []).map((q) => [q.name, {...q}]));
    this.calls = new Map();
    const at = Date.parse(s.at) / 1000;
    for (const c of s.calls || []) {
      const call = {...c};
      if (c.waited !== null && c.waited !== undefined) call.queued_at = at - c.waited;
      call.started_at = at - (c.age || 0);
      const escalation = c.escalation || c.screen_pop?.escalation;
      if (escalation) {
        const when = escalation.at;
        call.escalation = {...escalation,
                           at: typeof when === "number" ? when : Date.parse(when) / 1000 || null};
      }
      this.calls.set(c.interaction_id, call);
    }
  }

  /** A domain event; returns the call it concerned (if any) for the page to redraw. */
  event(e) {
    const d = e.data || {};
    if (e.type === "agent.state_changed") {
      const a = this.agents.get(e.agent_id);
      if (a) {
        a.state = d.state;
        a.reason = d.reason ?? null;
        a.since = e.ts;
        if (!BUSY.has(d.state) || a.pending === d.state) a.pending = null;
        if (!BUSY.has(d.state)) a.call_id = null;
      }
      return null;
    }
    if (e.type === "centre.mode_changed") {
      this.centre = {...this.centre, mode: e.data.mode, message: e.data.message ?? null};
      return null;
    }
    if (e.type === "queue.closed" || e.type === "queue.opened") {
      const closed = new Set(this.centre.closed_queues || []);
      if (e.type === "queue.closed") closed.add(e.queue || e.data.queue);
      else closed.delete(e.queue || e.data.queue);
      this.centre = {...this.centre, closed_queues: [...closed]};
      return null;
    }
    const iid = e.interaction_id;
    if (!iid || !e.type.startsWith("call.")) return null;
    let call = this.calls.get(iid);
    if (!call) {
      if (e.type === "call.ended") return null;
      call = {interaction_id: iid, phase: "waiting", queue: e.queue ?? null, agent_id: null,
              caller_number: null, held: false, started_at: e.ts};
      this.calls.set(iid, call);
    }
    if (e.queue) call.queue = e.queue;
    if (e.case_id) call.case_id = e.case_id;
    if (e.customer_id) call.customer_id = e.customer_id;
    switch (e.type) {
      case "call.queued":
        call.phase = d.callback ? "callback" : "waiting";
        call.queued_at = e.ts;
        call.agent_id = null;
        call.caller_number = d.caller_number ?? call.caller_number;
        call.caller_name = d.caller_name ?? call.caller_name;
        break;
      case "call.offered":
        call.phase = "ringing";
        call.agent_id = e.agent_id;
        call.screen_pop = d.screen_pop;
        call.caller_number = d.screen_pop?.caller_number ?? call.caller_number;
        this._agentCall(e.agent_id, iid);
        break;
      case "call.screen_pop_updated":
        call.screen_pop = {...(call.screen_pop || {}), ...(d.screen_pop || d)};
        break;
      case "call.offer_failed":
        call.phase = "waiting";
        call.agent_id = null;
        break;
      case "call.answered":
        call.phase = "talking";
        call.agent_id = e.agent_id ?? call.agent_id;
        call.answered_at = e.ts;
        this._agentCall(call.agent_id, iid);
        break;
      case "call.held":
        call.held = true;
        break;
      case "call.resumed":
        call.held = false;
        break;
      case "call.escalated":
      case "call.supervisor_escalated":
        call.escalation = {reason: d.reason || d.step || "", by: d.by || null, at: e.ts,
                           queue: d.to_queue || null};
        break;
      case "call.take_over":
      case "call.transferred":
        if (d.kind === "takeover") call.escalation = null;
        call.transferred = {kind: d.kind, target: d.target, by: d.by};
        break;
      case "call.agent_left":
        if (call.agent_id === e.agent_id) call.agent_id = null;
        call.phase = "after-agent";
        break;
      case "call.ended":
        this.calls.delete(iid);
        return {...call, phase: "ended", outcome: d.outcome};
      default:
        break;
    }
    return call;
  }

  _agentCall(agentId, iid) {
    const a = agentId ? this.agents.get(agentId) : null;
    if (a) a.call_id = iid;
  }

  /** `stats`: the queues and agents whose figures changed. */
  stats(s) {
    for (const q of s.queues || []) this.queues.set(q.name, {...(this.queues.get(q.name) || {}), ...q});
    for (const a of s.agents || []) {
      if (this.agents.has(a.agent_id) || this.user?.role !== "agent") {
        this.agents.set(a.agent_id, {...(this.agents.get(a.agent_id) || {}), ...a});
      }
    }
  }

  /** `agent.status`: an agent's view after a command (with its pending change). */
  status(v) {
    const {type: _type, ...view} = v;
    this.agents.set(v.agent_id, {...(this.agents.get(v.agent_id) || {}), ...view});
  }

  /** The pause reason's label, or the code. */
  reasonLabel(code) {
    if (!code) return "";
    const found = (this.options.pause_reasons || []).find((r) => r.code === code);
    return found ? found.label : code;
  }

  /** The dispositions of a queue: [[code, name], ...]. */
  dispositions(queue) {
    const list = (this.options.dispositions || {})[queue] || [];
    return list.map((d) => [d.code, d.name || d.code]);
  }
}
