// The four pickers of the script catalogue (GET /api/v1/catalogue): topic > reason >
// sub-reason > question, each offering the children of the one above; the question
// carries the answer the agent reads out.

import {setOptions} from "./dom.js";

export const LEVELS = ["topic", "reason", "sub_reason", "question"];

export class Pickers {
  /** `selects`: {topic, reason, sub_reason, question} <select> elements. */
  constructor(selects, onChange = () => {}) {
    this.selects = selects;
    this.tree = {};
    this.onChange = onChange;
    LEVELS.forEach((level, i) => {
      selects[level].addEventListener("change", () => {
        this._refill(i + 1);
        this.onChange(this.value());
      });
    });
  }

  load(tree) {
    this.tree = tree || {};
    this.set(this.value());
  }

  /** Choose a classification ({topic, reason, ...}); unknown entries are kept as given. */
  set(classification = {}) {
    for (let i = 0; i < LEVELS.length; i++) {
      this._refill(i, classification[LEVELS[i]] || "");
    }
    this.onChange(this.value());
  }

  value() {
    const out = {};
    for (const level of LEVELS) out[level] = this.selects[level].value || null;
    return out;
  }

  /** The catalogue's answer for the chosen question, or null. */
  answer() {
    const node = this._node(LEVELS.length);
    return node && typeof node.answer === "string" ? node.answer : null;
  }

  /** Labels of the chosen levels: "Bookings › new booking › ...". */
  labels() {
    const out = [];
    let children = this.tree;
    for (const level of LEVELS) {
      const key = this.selects[level].value;
      if (!key) break;
      const node = children?.[key];
      out.push(node?.name || key);
      children = node?.children;
    }
    return out;
  }

  _node(depth) {
    let children = this.tree;
    let node = null;
    for (let i = 0; i < depth; i++) {
      const key = this.selects[LEVELS[i]].value;
      node = key ? children?.[key] : null;
      if (!node) return null;
      children = node.children;
    }
    return node;
  }

  _refill(index, wanted = undefined) {
    for (let i = index; i < LEVELS.length; i++) {
      const select = this.selects[LEVELS[i]];
      const parent = i === 0 ? {children: this.tree} : this._node(i);
      const entries = Object.entries(parent?.children || {})
        .map(([key, node]) => [key, node.name || key]);
      const known = (key) => entries.some(([k]) => k === key);
      let keep;
      if (i === index && wanted !== undefined) {
        keep = wanted;
        if (keep && !known(keep)) entries.unshift([keep, keep]);  // free words of the record
      } else {
        keep = known(select.value) ? select.value : "";
      }
      setOptions(select, entries, i === 0 ? "(choose a topic)" : "(none)");
      select.value = keep;
      select.disabled = entries.length === 0;
    }
  }
}
