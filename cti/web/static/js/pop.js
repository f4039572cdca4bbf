// The screen-pop card and the customer's history, as nodes built from data
// (text only: nothing the caller, the IVR or the records hold is parsed as HTML).

import {contactFacts, facts} from "./contact.js";
import {duration, h} from "./dom.js";

const LEVELS = ["topic", "reason", "sub_reason", "question"];
const PHASES = {ringing: "Ringing: answer on your phone", talking: "Talking",
                waiting: "Waiting in queue", "after-agent": "You left the call"};

/** Names of a classification's levels in the catalogue: ["Bookings", "new booking", ...]. */
export function levelNames(catalogue, levels) {
  const out = [];
  let children = catalogue || {};
  for (const level of LEVELS) {
    const key = levels?.[level];
    if (!key) break;
    const node = children?.[key];
    out.push(node?.name || key);
    children = node?.children;
  }
  return out;
}

/** A token safe in a class name (tiers are free words). */
function token(value) {
  return String(value || "").toLowerCase().replace(/[^a-z0-9-]/g, "");
}

function caseLine(c, catalogue, clock) {
  const names = levelNames(catalogue, c).join(" › ") || c.subject || "not classified";
  return h("li", {class: "case"},
           h("span", {class: `status status-${token(c.status)}`}, c.status || "open"), " ",
           h("span", {class: "case-name"}, names),
           h("span", {class: "meta"}, ` · opened ${clock.dateTime(c.opened_at)}`,
             c.unit ? ` · ${c.unit}` : "",
             c.follow_up_at ? ` · follow-up ${clock.dateTime(c.follow_up_at)}` : "",
             c.open_derivations ? ` · ${c.open_derivations} derivation(s) open` : ""));
}

function contactLine(i, catalogue, clock) {
  const topic = i.topic ? levelNames(catalogue, {topic: i.topic})[0] : null;
  return h("li", {},
           h("span", {class: "meta"}, clock.dateTime(i.created_at)), " ",
           [i.direction === "outbound" ? "outbound" : null, i.queue, i.agent_id,
            i.outcome, i.disposition, topic].filter(Boolean).join(" · "));
}

/** A campaign call's part of the pop: the campaign, the contact and the list's attributes. */
function campaignPart(c) {
  return h("section", {class: "campaign-part", "aria-labelledby": "pop-campaign"},
           h("h4", {id: "pop-campaign"}, `Campaign ${c.campaign}`),
           c.description ? h("p", {class: "muted"}, c.description) : null,
           contactFacts(c, {campaign: false, number: false}));
}

/** The screen-pop of `call` (its `screen_pop` from call.offered). */
export function renderPop(call, catalogue, clock) {
  const pop = call.screen_pop || {};
  const customer = pop.customer || {};
  const history = pop.history || {};
  const campaign = pop.campaign || null;
  const name = customer.name || campaign?.name || pop.caller_name || call.caller_name
    || "Unknown caller";
  const openCases = history.open_cases || [];
  const contacts = history.interactions || [];
  const classification = levelNames(catalogue, pop.classification).join(" › ");
  const script = history.script?.answer;
  const escalation = pop.escalation || call.escalation;
  const consult = call.consult;
  const status = consult
    ? `Consulting ${consult.target} (${consult.answered ? "talking" : "ringing"}); the caller is on hold`
    : call.held ? "On hold" : PHASES[call.phase] || call.phase;
  return [
    h("header", {class: "pop-head"},
      h("h3", {id: "pop-title"}, name),
      customer.tier ? h("span", {class: `tier tier-${token(customer.tier)}`,
                                 title: "Value tier"}, customer.tier) : null,
      customer.value !== null && customer.value !== undefined
        ? h("span", {class: "muted"}, `value ${customer.value}`) : null,
      campaign ? h("span", {class: "tag"}, "campaign")
        : pop.callback || call.callback ? h("span", {class: "tag"}, "callback") : null),
    h("p", {class: `pop-status phase-${token(call.phase)}`, role: "status"}, status, " ",
      h("span", {id: "call-timer", class: "timer"})),
    facts([["Number", pop.caller_number || call.caller_number || "hidden"],
           ["Queue", pop.queue || call.queue],
           ["Waited", duration(pop.waited ?? call.waited)],
           ["IVR path", (pop.ivr_path || []).join(" › ") || "–"],
           ["Classification", classification || "not classified yet"],
           ["Account", customer.account_number]]),
    campaign ? campaignPart(campaign) : null,
    escalation ? h("p", {class: "escalation"}, "Escalated",
                   escalation.reason ? `: ${escalation.reason}` : "",
                   escalation.by ? ` (by ${escalation.by})` : "") : null,
    script ? h("blockquote", {class: "script"}, h("strong", {}, "Script: "), script) : null,
    h("h4", {}, `Open cases (${openCases.length})`),
    openCases.length ? h("ul", {class: "log"}, openCases.map((c) => caseLine(c, catalogue, clock)))
      : h("p", {class: "muted"}, "None."),
    h("h4", {}, "Last contacts"),
    contacts.length ? h("ul", {class: "log"}, contacts.map((i) => contactLine(i, catalogue, clock)))
      : h("p", {class: "muted"}, history.available === false
        ? "History not available in time; it follows when the database answers." : "None."),
  ];
}

/** The customer's record, cases and last contacts, with a dial button per phone. */
export function renderHistory(customer, history, catalogue, clock, dial) {
  if (!customer) return [];
  if (customer.error) return h("p", {class: "error"}, customer.error);
  if (!customer.name) return h("p", {class: "muted"}, "Loading…");
  const seen = new Set();
  const cases = [...(customer.open_cases || []), ...(customer.cases || [])]
    .filter((c) => !seen.has(c.id) && seen.add(c.id));
  const contacts = history?.interactions || [];
  return [
    h("p", {}, h("strong", {}, customer.name),
      customer.tier ? ` · ${customer.tier}` : "",
      customer.account_number ? ` · account ${customer.account_number}` : "",
      customer.document ? ` · ${customer.document}` : ""),
    h("div", {class: "buttons"}, (customer.phones || []).map((number) =>
      h("button", {type: "button", onclick: () => dial(number),
                   "aria-label": `Call ${number}`}, `Call ${number}`))),
    h("h3", {}, `Cases (${cases.length})`),
    cases.length ? h("ul", {class: "log"}, cases.map((c) => caseLine(c, catalogue, clock)))
      : h("p", {class: "muted"}, "None."),
    h("h3", {}, "Last contacts"),
    contacts.length ? h("ul", {class: "log"}, contacts.map((i) => contactLine(i, catalogue, clock)))
      : h("p", {class: "muted"}, "None."),
  ];
}
