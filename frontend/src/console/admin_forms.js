// What the administration pages (site settings, consent, users & roles, API tokens) share: REST calls that keep
// the API's error code (a 409 "last_admin" deserves its own words), field errors next to their inputs, status
// lines, two-step "really?" buttons (no browser dialogs) and copy buttons with a fallback.
import { ApiError, messageFor, request } from './api.js';
import { el, fill } from './dom.js';
import { t } from './page_data.js';

export class AdminError extends ApiError {
  constructor(message, status, code, detail, errors) {
    super(message, status, errors);
    this.code = code;
    this.detail = detail;
  }
}

// A translated message for the API's error code when the page has one (strings "code_<code>"), else the
// console's general wording for the status.
function messageOf(status, body) {
  const code = body && body.code;
  if (code && t(`code_${code}`) !== `code_${code}`) return t(`code_${code}`);
  if (status === 409 && body && body.detail) return t('error_conflict', { detail: body.detail });
  return messageFor(status, body);
}

function adminError(status, body) {
  if (status === 0) return new AdminError(t('error_network'), 0, 'network', '', []);
  const errors = (body && body.errors) || [];
  return new AdminError(messageOf(status, body), status, body && body.code, body && body.detail, errors);
}

export function send(url, { method = 'GET', payload = undefined } = {}) {
  return request(url, { method, payload, fail: adminError });
}

// Shows each {field, detail} under the form's [data-error-for="field"] (or the form's status line when the
// field has no place of its own); returns whether every error found its field.
export function showFieldErrors(form, errors) {
  clearFieldErrors(form);
  let placed = true;
  for (const error of errors) {
    const top = String(error.field || '').split('.')[0];
    const slot = form.querySelector(`[data-error-for="${CSS.escape(top)}"]`);
    if (!slot) {
      placed = false;
      continue;
    }
    fill(slot, slot.textContent ? `${slot.textContent} ${error.detail}` : error.detail);
    slot.hidden = false;
  }
  return placed;
}

export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) {
    fill(slot);
    slot.hidden = true;
  }
}

export function setStatus(node, text, kind = '') {
  if (!node) return;
  node.classList.remove('status-ok', 'status-error');
  if (kind) node.classList.add(`status-${kind}`);
  fill(node, text);
}

// Submits a form through `save(form)`; shows "Saving…", then "Saved." or the errors (by field when possible).
export function handleSubmit(form, save, { onSaved = null } = {}) {
  const status = form.querySelector('[data-form-status]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    clearFieldErrors(form);
    setStatus(status, t('saving'));
    if (button) button.disabled = true;
    try {
      const result = await save(form);
      setStatus(status, t('saved'), 'ok');
      if (onSaved) onSaved(result);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const placed = error.errors.length > 0 && showFieldErrors(form, error.errors);
      setStatus(status, placed ? t('fix_fields') : t('not_saved', { detail: error.message }), 'error');
    } finally {
      if (button) button.disabled = false;
    }
  });
}

// A button that asks "Really …?" in place (a second click within a few seconds confirms), as the tests forbid
// browser dialogs and a modal would be heavier than the question.
export function confirmButton(label, question, onConfirm) {
  const button = el('button', { type: 'button', class: 'button button-quiet' }, label);
  let armed = null;
  button.addEventListener('click', async () => {
    if (!armed) {
      fill(button, question);
      button.classList.add('button-danger');
      armed = setTimeout(() => {
        armed = null;
        fill(button, label);
        button.classList.remove('button-danger');
      }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.disabled = true;
    try {
      await onConfirm();
    } finally {
      button.disabled = false;
      fill(button, label);
      button.classList.remove('button-danger');
    }
  });
  return button;
}

// Copies the text of [data-copy-source=key] for each [data-copy=key] button. The Clipboard API needs a secure
// context (HTTPS or this machine); elsewhere the text is selected for Ctrl+C instead.
export function wireCopyButtons(root) {
  for (const button of root.querySelectorAll('[data-copy]')) {
    const key = button.dataset.copy;
    button.addEventListener('click', async () => {
      const source = root.querySelector(`[data-copy-source="${CSS.escape(key)}"]`);
      const status = root.querySelector(`[data-copy-status="${CSS.escape(key)}"]`);
      const text = source ? source.textContent : '';
      try {
        if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
        await navigator.clipboard.writeText(text);
        setStatus(status, t('copied'), 'ok');
      } catch {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        setStatus(status, t('copy_manually'));
      }
    });
  }
}

// The page's error box with a retry button, as on the other pages.
export function pageErrorShower(root) {
  const box = root.querySelector('[data-page-error]');
  return (error, retry) => {
    if (!(error instanceof ApiError)) console.error(error); // a bug of ours: keep it visible
    const children = [el('p', {}, error instanceof ApiError ? error.message : t('error_server'))];
    if (retry) {
      const button = el('button', { type: 'button', class: 'button' }, t('retry'));
      button.addEventListener('click', () => {
        box.hidden = true;
        retry();
      });
      children.push(button);
    }
    fill(box, ...children);
    box.hidden = false;
  };
}

export function roleLabel(role) {
  return t(`role_${role}`);
}
