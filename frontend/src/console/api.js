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

export async function postJson(url, payload) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
      body: JSON.stringify(payload),
    });
  } catch {
    throw new ApiError(t('error_network'), 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(messageFor(response.status, body), response.status, (body && body.errors) || []);
  return body;
}

// POST /api/v1/sites/{id}/insights/{kind}/ with a query object.
export function insight(apiBase, kind, query) {
  return postJson(`${apiBase}insights/${kind}/`, query);
}
