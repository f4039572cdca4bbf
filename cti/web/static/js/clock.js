// The centre's clock: the server's time (the browser's clock may be off) shown in
// the centre's time zone (hours.yaml: timezone, given in the snapshot's options).

export class Clock {
  constructor() {
    this.offset = 0;          // server time minus browser time, milliseconds
    this.zone = "UTC";
    this._formats = null;
  }

  /** Learn the server's time from a message's `at` and the centre's time zone. */
  sync(at, zone) {
    const server = Date.parse(at);
    if (Number.isFinite(server)) this.offset = server - Date.now();
    if (zone && zone !== this.zone) {
      this.zone = zone;
      this._formats = null;
    }
  }

  /** Now, in epoch seconds of the server's clock. */
  now() {
    return (Date.now() + this.offset) / 1000;
  }

  /** Seconds since `ts` (epoch seconds), never negative. */
  since(ts) {
    return ts === null || ts === undefined ? null : Math.max(0, this.now() - ts);
  }

  _fmt() {
    if (!this._formats) {
      let zone = this.zone;
      try {
        new Intl.DateTimeFormat("en-GB", {timeZone: zone});
      } catch {
        zone = "UTC";
      }
      this._formats = {
        time: new Intl.DateTimeFormat("en-GB", {timeZone: zone, hour: "2-digit",
                                                 minute: "2-digit", second: "2-digit"}),
        short: new Intl.DateTimeFormat("en-GB", {timeZone: zone, hour: "2-digit",
                                                  minute: "2-digit"}),
        date: new Intl.DateTimeFormat("en-GB", {timeZone: zone, day: "2-digit",
                                                 month: "short", hour: "2-digit",
                                                 minute: "2-digit"}),
      };
    }
    return this._formats;
  }

  /** "14:05:09" in the centre's zone; `when` is epoch seconds or ISO text. */
  time(when) {
    const d = toDate(when);
    return d ? this._fmt().time.format(d) : "–";
  }

  /** "14:05" in the centre's zone. */
  hm(when) {
    const d = toDate(when);
    return d ? this._fmt().short.format(d) : "–";
  }

  /** "03 Mar, 14:05" in the centre's zone. */
  dateTime(when) {
    const d = toDate(when);
    return d ? this._fmt().date.format(d) : "–";
  }
}

function toDate(when) {
  if (when === null || when === undefined || when === "") return null;
  const d = typeof when === "number" ? new Date(when * 1000) : new Date(when);
  return Number.isNaN(d.getTime()) ? null : d;
}
