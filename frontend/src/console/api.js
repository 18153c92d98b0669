// The REST API as the console uses it: the same query objects as any client (docs/queries.md), with the
// session cookie and the CSRF token. Failures become ApiError with a message that says what to do.
import { csrfToken, t } from './page_data.js';

export class ApiError extends Error {
  // `errors`: the API's [{field, detail}] of a refused query, so a page can show each next to its control.
  constructor(message, status, errors = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

export function messageFor(status, body) {
  if (status === 401) return t('error_session');
  if (status === 403 || status === 404) return t('error_forbidden');
  if (status === 400 && body && body.detail) {
    const fields = (body.errors || []).map((e) => `${e.field}: ${e.detail}`).join('; ');
    return t('error_query', { detail: fields || body.detail });
  }
  return t('error_server');
}

function apiError(status, body) {
  if (status === 0) return new ApiError(t('error_network'), 0);
  return new ApiError(messageFor(status, body), status, (body && body.errors) || []);
}

// The one fetch of every console call: the session cookie, the CSRF token, JSON both ways. `raw` hands back a
// successful Response untouched (downloads); a failure throws what `fail(status, body)` makes (status 0: the
// network), an ApiError unless the caller wants its own.
export async function request(url, { method = 'GET', payload = undefined, raw = false, fail = apiError } = {}) {
  const headers = { Accept: 'application/json', 'X-CSRFToken': csrfToken() };
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
  } catch {
    throw fail(0, null);
  }
  if (response.ok && raw) return response;
  let body = null;
  if (response.status !== 204) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  if (!response.ok) throw fail(response.status, body);
  return body;
}

export const postJson = (url, payload) => request(url, { method: 'POST', payload });

// POST /api/v1/sites/{id}/insights/{kind}/ with a query object.
export function insight(apiBase, kind, query) {
  return postJson(`${apiBase}insights/${kind}/`, query);
}
