// The product's API over HTTP only (API.md). Every call is explicit about what went wrong, so the sync
// loop can tell "no network, try later" from "the server said no".
import { currentLang } from './i18n.js';

export class Offline extends Error {}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }

  // Worth trying again later: the server or the link had a bad moment.
  get retryable() {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

export async function api(path, { token, method = 'GET', body, signal } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang() };
  if (token) headers.Authorization = `Token ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The token is the only credential: no session cookie, nothing from the HTTP cache.
      credentials: 'omit',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    throw new Offline(String(error));
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
