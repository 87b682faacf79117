// The API, on the console's own origin (/v1/...): locally through scripts/console_serve.py's
// proxy, in AWS through the CloudFront distribution's second origin. No CORS either way.
import { getToken, isExpired } from "./auth.js";

export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  /** What an operator should read. */
  explain() {
    if (this.status === 0 || this.code === "api_unreachable" || [502, 504].includes(this.status)) {
      return "The API is not answering. It may be stopped or unreachable: check that it runs, then try again.";
    }
    if (this.status === 401) {
      return "Your session has expired or your sign-in is not valid. Sign in again.";
    }
    if (this.status === 403) {
      return "You are signed in, but your account may not do this: the console needs an operator (loyalty/admin).";
    }
    if (this.status === 429 || this.status === 503) {
      return `The API is busy or unavailable (${this.code}): try again in a moment.`;
    }
    const id = this.requestId ? ` (request ${this.requestId})` : "";
    return `${this.message || "The request failed"} [${this.status} ${this.code}]${id}`;
  }
}

const listeners = new Set();
/** Called with every ApiError (the shell shows a banner for 401, 403 and an unreachable API). */
export function onApiError(fn) {
  listeners.add(fn);
}

export async function api(method, path, { body, idempotencyKey, query } = {}) {
  const token = getToken();
  if (!token || isExpired(token)) {
    const err = new ApiError(401, "unauthorized", "Not signed in, or the session has expired.");
    listeners.forEach((fn) => fn(err));
    throw err;
  }
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    const err = new ApiError(0, "api_unreachable", "The API could not be reached.");
    listeners.forEach((fn) => fn(err));
    throw err;
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || `http_${res.status}`, e.message || text.slice(0, 200), e.requestId);
    listeners.forEach((fn) => fn(err));
    throw err;
  }
  return { status: res.status, data };
}

/** A fresh idempotency key: one per intended write, reused if the same form is sent again. */
export function newKey(prefix) {
  return `${prefix}-${crypto.randomUUID()}`;
}
