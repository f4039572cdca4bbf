// The sign-in form both pages share: POST /api/v1/login, then the page starts.

import {byId, describe, text} from "./dom.js";

/**
 * Show the form (#signin) until a user signs in; `start(user)` runs the page.
 * `message` (optional) says why the form is shown again (expired, signed out, ...).
 */
export function showSignIn(session, start, message = "") {
  const panel = byId("signin");
  const app = byId("app");
  const form = byId("signin-form");
  const error = byId("signin-error");
  app.hidden = true;
  panel.hidden = false;
  text(error, message);
  const user = byId("signin-user");
  const password = byId("signin-password");
  password.value = "";
  (user.value ? password : user).focus();
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    text(error, "");
    try {
      const who = await session.login(user.value.trim(), password.value);
      password.value = "";
      panel.hidden = true;
      app.hidden = false;
      start(who);
    } catch (err) {
      text(error, describe(err));
      password.select();
    } finally {
      button.disabled = false;
    }
  };
}

/** The page's `boot(message)`: the app that `make()` builds once signed in (stopping the
 * one before), or the sign-in form with `message`. */
export function page(session, make) {
  let current = null;
  const run = () => {
    byId("signin").hidden = true;
    byId("app").hidden = false;
    current?.stop();
    current = make();
    current.start();
  };
  return (message = "") => {
    if (session.signedIn) run();
    else showSignIn(session, run, message);
  };
}
