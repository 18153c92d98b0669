// What the analysis pages (events, funnels, retention, paths, cohorts) ask of the REST API besides insights:
// the event catalogue and cohorts for pickers, cohort changes, pages of dropped people, and downloads of the
// same query's export. Errors are ApiError (api.js) with the API's field errors attached.
import { request as send } from './api.js';

export const getJson = (url) => send(url);
export const postJson = (url, payload) => send(url, { method: 'POST', payload });
export const patchJson = (url, payload) => send(url, { method: 'PATCH', payload });
export const deleteJson = (url) => send(url, { method: 'DELETE' });

// The site's recent event names, property and dimension keys (GET …/catalogue/), and its cohorts.
export async function loadPickers(apiBase) {
  const [catalogue, cohorts] = await Promise.all([getJson(`${apiBase}catalogue/?days=90`), getJson(`${apiBase}cohorts/`)]);
  return { catalogue, cohorts };
}

// Fetches an export (the same query, with ?format=) and hands it to the browser as a file. A blob: URL of our
// own making is the link's target, so no tracked string ever becomes a URL.
export async function download(url, { payload = undefined, filename }) {
  const response = await send(url, { method: payload === undefined ? 'GET' : 'POST', payload, raw: true });
  const blob = await response.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  return blob;
}
