// Sign-in. The token lives in sessionStorage only (never localStorage, never a query string):
// it is gone when the tab closes.
//   local ("dev"):  `make dev` prints a link carrying a dev operator token in the URL fragment
//                   (#token=...), which the browser never sends to a server; it is moved to
//                   sessionStorage and removed from the address bar at once.
//   AWS ("cognito"): the Cognito hosted UI, authorization code flow with PKCE (public client,
//                   no secret); the code is exchanged for tokens at the pool's /oauth2/token.

const TOKEN_KEY = "loyalty.console.token";
const PKCE_KEY = "loyalty.console.pkce";

let config = { auth: "dev" };

export async function loadConfig() {
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (res.ok) config = await res.json();
  } catch {
    // keep the local default
  }
  return config;
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (config.auth === "cognito" && config.domain) {
    const url = new URL("/logout", config.domain);
    url.searchParams.set("client_id", config.clientId);
    url.searchParams.set("logout_uri", config.redirectUri);
    location.assign(url.toString());
  } else {
    location.hash = "#/signed-out";
  }
}

/** The token's claims (unverified: only to show who is signed in and when it ends). */
export function claims(token = getToken()) {
  if (!token) return null;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch {
    return null;
  }
}

export function isExpired(token = getToken()) {
  const c = claims(token);
  return Boolean(c && typeof c.exp === "number" && c.exp * 1000 <= Date.now());
}

/** Takes a token handed over in the fragment, or finishes a Cognito redirect. */
export async function completeSignIn() {
  const hash = location.hash;
  if (hash.startsWith("#token=")) {
    const token = decodeURIComponent(hash.slice("#token=".length));
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, "", location.pathname + "#/metrics");
    return;
  }
  const params = new URLSearchParams(location.search);
  if (config.auth === "cognito" && params.has("code")) {
    const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "{}");
    sessionStorage.removeItem(PKCE_KEY);
    history.replaceState(null, "", location.pathname + (saved.hash || "#/metrics"));
    if (!saved.state || saved.state !== params.get("state")) {
      throw new Error("The sign-in answer does not match this tab's request: sign in again.");
    }
    const body = new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code: params.get("code"),
      redirect_uri: config.redirectUri,
      code_verifier: saved.verifier,
    });
    const res = await fetch(new URL("/oauth2/token", config.domain), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    if (!res.ok) throw new Error(`Cognito refused the sign-in (HTTP ${res.status}): sign in again.`);
    const tokens = await res.json();
    // The access token: the API's JWT authorizer checks its client_id, and its cognito:groups
    // makes an operator.
    sessionStorage.setItem(TOKEN_KEY, tokens.access_token);
  }
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Where "Sign in" goes: the hosted UI in AWS; locally, the instructions. */
export async function signIn() {
  if (config.auth !== "cognito") {
    location.hash = "#/signed-out";
    return;
  }
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const back = location.hash && !location.hash.startsWith("#token=") ? location.hash : "#/metrics";
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: back }));
  const url = new URL("/oauth2/authorize", config.domain);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scopes || "openid email",
    state,
    code_challenge_method: "S256",
    code_challenge: challenge,
  }).toString();
  location.assign(url.toString());
}

export function authMode() {
  return config.auth;
}
