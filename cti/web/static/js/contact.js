// A campaign's contact as the desktop shows it (preview card and screen-pop): the
// campaign, the contact's name and number, and the list's free attributes, as text.

import {h} from "./dom.js";

/** The list's free attributes ({plan: "gold", ...}) as [label, value] pairs, in order. */
export function attributePairs(attributes) {
  return Object.entries(attributes || {})
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => [k.replace(/_/g, " "), String(v)]);
}

/** A <dl class="facts"> of [label, value] pairs; empty values are left out. */
export function facts(pairs, attrs = {}) {
  return h("dl", {class: "facts", ...attrs},
           pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
             .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** The facts of a campaign contact: `c` is a preview's data or a pop's `campaign`
 *  (`campaign`, `number`: false where the card says them already). */
export function contactFacts(c, {campaign = true, number = true} = {}) {
  return facts([campaign ? ["Campaign", c.campaign] : [null, null],
                ["Contact", c.name],
                number ? ["Number", c.number] : [null, null],
                ...attributePairs(c.attributes),
                c.attempt > 1 ? ["Attempt", String(c.attempt)] : [null, null]],
               {"data-part": "contact"});
}
