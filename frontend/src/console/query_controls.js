// The controls the analysis pages build their query objects with (docs/queries.md): event pickers, filter
// rows, a breakdown, and the page state kept in the URL's #fragment so a query can be shared and survives
// the date-range picker's reload. Every control carries data-field = the query's field path, so the API's
// field errors ({field: "steps[1].filters[0].value"}) are shown next to the control they are about.
import { ApiError } from './api.js';
import { getJson } from './analysis_api.js';
import { el, fill } from './dom.js';
import { t } from './page_data.js';

export const OPS = ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set'];
const NUMERIC_OPS = new Set(['gt', 'gte', 'lt', 'lte']);
const LIST_OPS = new Set(['in', 'not_in']);
// props.<key> or dims.<key> as the API reads them (columns are checked against the catalogue's list).
const JSON_KEY = /^(?:props\.[^"\\]+|dims\.[^."\\]+)$/;
let uid = 0;

// Datalists shared by every picker of the page: event names, filter keys, numeric keys.
export function pickerLists(root, { catalogue, cohorts }, api) {
  const keys = [...catalogue.columns, ...catalogue.properties.map((p) => `props.${p.key}`)];
  keys.push(...catalogue.dimensions.map((d) => `dims.${d.key}`));
  const numeric = ['value', ...catalogue.properties.filter((p) => p.numeric).map((p) => `props.${p.key}`)];
  const lists = {
    events: catalogue.events.map((e) => e.name),
    keys: [...keys, ...(cohorts.length ? ['cohort'] : [])],
    breakdownKeys: keys,
    numeric,
  };
  const ids = {};
  for (const [name, values] of Object.entries(lists)) {
    ids[name] = `picker-${name}-${++uid}`;
    root.append(el('datalist', { id: ids[name] }, values.map((v) => el('option', { value: v }))));
  }
  return { ...ids, cohorts, catalogue, api };
}

// A labelled control: <label> + the control, wrapped so a field error can sit right under it.
export function labelled(text, control, extra = null) {
  control.id ||= `control-${++uid}`;
  return el('span', { class: 'control' }, el('label', { for: control.id }, text), control, extra);
}

export function select(options, value, attributes = {}) {
  return el('select', attributes, options.map(([v, text]) => el('option', { value: v, selected: v === value }, text)));
}

export function eventInput(pickers, { value = '', field, allowAll = false }) {
  return el('input', {
    type: 'text',
    list: pickers.events,
    value: value || '',
    placeholder: allowAll ? t('all_events') : t('event_name'),
    autocomplete: 'off',
    dataset: { field },
    required: !allowAll,
  });
}

export function parseValue(op, key, raw) {
  if (op === 'is_set' || op === 'is_not_set') return undefined;
  if (key === 'cohort') return Number(raw);
  if (LIST_OPS.has(op)) return raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  // A number where the API wants one; anything else is sent as typed, and the API says what is wrong.
  if ((NUMERIC_OPS.has(op) || key === 'value') && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  return raw;
}

function filterRow(pickers, filter, onRemove) {
  const key = el('input', { type: 'text', list: pickers.keys, value: filter.key || '', placeholder: 'browser, props.plan…', autocomplete: 'off' });
  const op = select(OPS.map((o) => [o, t(`op_${o}`)]), filter.op || 'eq');
  const suggestions = el('datalist', { id: `picker-values-${++uid}` });
  const value = el('input', { type: 'text', list: suggestions.id, autocomplete: 'off', value: filter.value === undefined ? '' : [filter.value].flat().join(', ') });
  // The key's most common recent values (GET …/catalogue/values/), as suggestions; a failure only means none.
  const suggest = () => {
    const wanted = key.value.trim();
    const known = pickers.catalogue.columns.includes(wanted) || JSON_KEY.test(wanted);
    if (!pickers.api || !known || suggestions.dataset.key === wanted) return;
    suggestions.dataset.key = wanted;
    getJson(`${pickers.api}catalogue/values/?key=${encodeURIComponent(wanted)}&days=90`)
      .then((answer) => fill(suggestions, answer.values.map((v) => el('option', { value: v.value }))))
      .catch(() => fill(suggestions));
  };
  const cohort = select(pickers.cohorts.map((c) => [String(c.id), c.name]), String(filter.value ?? ''));
  const remove = el('button', { type: 'button', class: 'button button-quiet', 'aria-label': t('remove_filter') }, '×');
  const row = el('div', { class: 'filter-row' }, suggestions, labelled(t('filter_key'), key), labelled(t('filter_op'), op),
    labelled(t('filter_value'), value, el('small', { class: 'muted hint' }, t('values_hint'))), labelled(t('cohort'), cohort), remove);
  const sync = () => {
    const isCohort = key.value === 'cohort';
    for (const o of op.options) o.hidden = isCohort && !LIST_OPS.has(o.value);
    if (isCohort && !LIST_OPS.has(op.value)) op.value = 'in';
    op.options[2].textContent = t(isCohort ? 'op_member' : 'op_in');
    op.options[3].textContent = t(isCohort ? 'op_not_member' : 'op_not_in');
    value.parentElement.hidden = isCohort || op.value === 'is_set' || op.value === 'is_not_set';
    value.parentElement.querySelector('.hint').hidden = !LIST_OPS.has(op.value);
    cohort.parentElement.hidden = !isCohort;
  };
  key.addEventListener('input', sync);
  key.addEventListener('change', suggest);
  value.addEventListener('focus', suggest);
  op.addEventListener('change', sync);
  remove.addEventListener('click', () => {
    row.remove();
    onRemove();
  });
  sync();
  return {
    row,
    read(path) {
      key.dataset.field = `${path}.key`;
      op.dataset.field = `${path}.op`;
      value.dataset.field = `${path}.value`;
      cohort.dataset.field = `${path}.value`;
      row.dataset.field = path;
      const parsed = parseValue(op.value, key.value, key.value === 'cohort' ? cohort.value : value.value);
      return parsed === undefined ? { key: key.value, op: op.value } : { key: key.value, op: op.value, value: parsed };
    },
  };
}

// A list of filter rows with an "Add filter" button; read(path) returns the filters for the query at `path`.
export function filterEditor(pickers, { filters = [], path = 'filters', compact = false } = {}) {
  const rows = [];
  const list = el('div', { class: 'filter-rows' });
  const forget = (item) => () => rows.splice(rows.indexOf(item), 1);
  const add = (filter = {}) => {
    const item = filterRow(pickers, filter, () => forget(item)());
    rows.push(item);
    list.append(item.row);
  };
  for (const filter of filters) add(filter);
  const button = el('button', { type: 'button', class: 'button button-quiet add-filter' }, t('add_filter'));
  button.addEventListener('click', () => add());
  const node = el('div', { class: compact ? 'filters filters-compact' : 'filters', dataset: { field: path } }, list, button);
  return {
    node,
    read(at = path) {
      node.dataset.field = at;
      return rows.map((item, i) => item.read(`${at}[${i}]`));
    },
  };
}

// Breakdown key (empty: none) and its top-N.
export function breakdownEditor(pickers, { breakdown = null } = {}) {
  const key = el('input', { type: 'text', list: pickers.breakdownKeys, value: breakdown ? breakdown.key : '', placeholder: t('breakdown_none'), autocomplete: 'off', dataset: { field: 'breakdown.key' } });
  const limit = el('input', { type: 'number', min: '1', max: '100', value: String(breakdown ? breakdown.limit || 10 : 10), class: 'narrow', dataset: { field: 'breakdown.limit' } });
  return {
    node: el('span', { class: 'control-group' }, labelled(t('breakdown'), key), labelled(t('top_n'), limit)),
    read: () => (key.value.trim() ? { key: key.value.trim(), limit: Number(limit.value) || 10 } : null),
  };
}

// --- errors --------------------------------------------------------------------------------------------

export function clearFieldErrors(root) {
  for (const node of root.querySelectorAll('.field-error')) node.remove();
  for (const node of root.querySelectorAll('[aria-invalid="true"]')) node.removeAttribute('aria-invalid');
}

function controlFor(root, field) {
  // The exact control, else the closest enclosing part of the query (steps[1].filters[0].value.x → … → steps[1]).
  for (let path = field; path; path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
    const found = root.querySelector(`[data-field="${CSS.escape(path)}"]`);
    if (found) return found;
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(path)) break;
  }
  return null;
}

// Shows each field error under its control; returns the errors no control claims (for the page's error box).
export function showFieldErrors(root, errors) {
  clearFieldErrors(root);
  const unclaimed = [];
  for (const error of errors) {
    const control = controlFor(root, error.field);
    if (!control) {
      unclaimed.push(error);
      continue;
    }
    control.setAttribute('aria-invalid', 'true');
    const message = el('p', { class: 'field-error', role: 'alert' }, error.detail);
    (control.closest('.control') || control).after(message);
  }
  return unclaimed;
}

// The page's error box: what went wrong, in words, and a retry button.
export function showError(box, error, retry = null) {
  if (!(error instanceof ApiError)) console.error(error); // a bug of ours: keep it visible in the console
  const button = retry && el('button', { type: 'button', class: 'button' }, t('retry'));
  if (button) {
    button.addEventListener('click', () => {
      box.hidden = true;
      retry();
    });
  }
  fill(box, el('p', {}, error instanceof ApiError ? error.message : t('error_server')), button);
  box.hidden = false;
}

// A query refused with field errors shows them at their controls; anything else in the page's box.
export function reportQueryError(form, box, error, retry) {
  box.hidden = true;
  if (error instanceof ApiError && error.status === 400 && error.errors.length) {
    const rest = showFieldErrors(form, error.errors);
    if (!rest.length) return;
    showError(box, new ApiError(t('error_query', { detail: rest.map((e) => `${e.field}: ${e.detail}`).join('; ') }), 400));
    return;
  }
  showError(box, error, retry);
}

// --- state in the URL's fragment ---------------------------------------------------------------------------

export function readState() {
  const match = /^#q=(.*)$/.exec(window.location.hash);
  if (!match) return null;
  try {
    const state = JSON.parse(decodeURIComponent(match[1]));
    return state && typeof state === 'object' ? state : null;
  } catch {
    return null;
  }
}

export function writeState(state) {
  const hash = `#q=${encodeURIComponent(JSON.stringify(state))}`;
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${hash}`);
  // The date-range picker reloads the page with new ?range=…; the fragment keeps the query across it.
  for (const form of document.querySelectorAll('[data-range-picker]')) form.action = `${window.location.pathname}${hash}`;
}
