// What the server hands a page's script: json_script blocks (never inline code) and the CSRF token attribute.

export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

let catalogue = null;

// A translated string from the page's catalogue (console/views: COMMON_STRINGS and the page's STRINGS),
// with Django-style %(name)s placeholders filled in as plain text.
export function t(key, params = {}) {
  catalogue ??= readJson('console-strings') || {};
  const text = catalogue[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ''));
}

export function csrfToken() {
  return document.body.dataset.csrfToken || '';
}
