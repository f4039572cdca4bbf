// REST under /api/v1 with the signed-in user's token (docs/api.md). The token is
// kept in sessionStorage: it lives as long as the tab, survives a reload, and is
// never put in a URL.

const KEY = "cti.session";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Session {
  constructor(storage = window.sessionStorage) {
    this.storage = storage;
    const saved = JSON.parse(storage.getItem(KEY) || "null");
    this.token = saved?.token || null;
    this.user = saved?.user || null;
  }

  get signedIn() {
    return Boolean(this.token);
  }

  save(token, user = this.user) {
    this.token = token;
    this.user = user;
    this.storage.setItem(KEY, JSON.stringify({token, user}));
  }

  forget() {
    this.token = null;
    this.user = null;
    this.storage.removeItem(KEY);
  }

  async login(username, password) {
    const body = await this.request("POST", "/login", {username, password}, {anonymous: true});
    this.save(body.token, body.user);
    return body.user;
  }

  /** End the session on the server (its sockets close with 1000/4004), then here. */
  async logout() {
    try {
      if (this.token) await this.request("POST", "/logout");
    } finally {
      this.forget();
    }
  }

  /** JSON in and out; an ApiError for any answer that is not 2xx. */
  async request(method, path, body = undefined, {anonymous = false} = {}) {
    const headers = {Accept: "application/json"};
    if (!anonymous && this.token) headers.Authorization = `Bearer ${this.token}`;
    let payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {method, headers, body: payload,
                                                 credentials: "omit", cache: "no-store"});
    } catch (err) {
      throw new ApiError(0, "network", `the service does not answer (${err.message})`);
    }
    const raw = await response.text();
    let doc = null;
    try {
      doc = raw ? JSON.parse(raw) : null;
    } catch {
      doc = null;
    }
    if (!response.ok) {
      const wait = response.headers.get("Retry-After");
      const message = doc?.message || `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, doc?.error || "http-error",
                         wait ? `${message} (try again in ${wait} s)` : message);
    }
    return doc;
  }

  get(path) {
    return this.request("GET", path);
  }

  /** A file for case.attach: its upload id. */
  async upload(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    const made = await this.request("POST", "/uploads", form);
    return made.upload_id;
  }
}
