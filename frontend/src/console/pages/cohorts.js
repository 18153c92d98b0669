// Cohorts: the site's saved groups of people, with create / edit / delete for analysts and admins (viewers
// see the list and use cohorts as filters; the API refuses them the rest, the page does not offer it).
// A definition is the API's cohort JSON (docs/queries.md, "Cohorts"): event and property criteria.
import { deleteJson, getJson, loadPickers, patchJson, postJson } from '../analysis_api.js';
import { canAnalyse } from '../analysis_page.js';
import { el, fill, setBusy, table } from '../dom.js';
import { locale } from '../format.js';
import { t } from '../page_data.js';
import { OPS, clearFieldErrors, eventInput, labelled, parseValue, pickerLists, reportQueryError, select, showError } from '../query_controls.js';

function describe(definition) {
  const parts = (definition.criteria || []).map((c) => (c.type === 'event'
    ? t('did_event', { event: c.event, n: c.min_count || 1, days: (c.date_range && c.date_range.last_days) || 30 })
    : t('has_property', { key: c.key, op: t(`op_${c.op}`), value: c.value === undefined ? '' : [c.value].flat().join(', ') })));
  return `${t(definition.match === 'any' ? 'match_any' : 'match_all')}: ${parts.join(' · ')}`;
}

function criterionRow(pickers, criterion) {
  const remove = el('button', { type: 'button', class: 'button button-quiet', 'aria-label': t('remove') }, '×');
  const days = el('input', { type: 'number', min: '1', max: '3660', class: 'narrow', placeholder: t('any_time'), value: criterion.date_range ? String(criterion.date_range.last_days || '') : '' });
  if (criterion.type === 'event') {
    const event = eventInput(pickers, { value: criterion.event, field: '' });
    const count = el('input', { type: 'number', min: '1', class: 'narrow', value: String(criterion.min_count || 1) });
    if (!criterion.date_range) days.value = '30';
    const row = el('div', { class: 'control-group criterion' }, labelled(t('event'), event), labelled(t('min_count'), count), labelled(t('last_days'), days), remove);
    return {
      row,
      remove,
      read(path) {
        event.dataset.field = `${path}.event`;
        count.dataset.field = `${path}.min_count`;
        days.dataset.field = `${path}.date_range.last_days`;
        return { type: 'event', event: event.value.trim(), min_count: Number(count.value), date_range: { last_days: Number(days.value) || 30 } };
      },
    };
  }
  const key = el('input', { type: 'text', list: pickers.breakdownKeys, value: criterion.key || '', autocomplete: 'off' });
  const op = select(OPS.map((o) => [o, t(`op_${o}`)]), criterion.op || 'eq');
  const value = el('input', { type: 'text', value: criterion.value === undefined ? '' : [criterion.value].flat().join(', ') });
  const row = el('div', { class: 'control-group criterion' }, labelled(t('filter_key'), key), labelled(t('filter_op'), op), labelled(t('filter_value'), value), labelled(t('last_days'), days), remove);
  return {
    row,
    remove,
    read(path) {
      key.dataset.field = `${path}.key`;
      op.dataset.field = `${path}.op`;
      value.dataset.field = `${path}.value`;
      days.dataset.field = `${path}.date_range.last_days`;
      const out = { type: 'property', key: key.value.trim(), op: op.value };
      const parsed = parseValue(op.value, key.value, value.value);
      if (parsed !== undefined) out.value = parsed;
      if (days.value) out.date_range = { last_days: Number(days.value) };
      return out;
    },
  };
}

export default async function initCohorts(root, data) {
  const box = root.querySelector('[data-page-error]');
  const listCard = root.querySelector('[data-cohort-list]');
  const editorCard = root.querySelector('[data-query-card]');
  const form = root.querySelector('[data-query-form]');
  const mayChange = canAnalyse(data);
  const url = (id = null) => `${data.api}cohorts/${id === null ? '' : `${id}/`}`;
  const explorer = window.location.pathname.replace(/cohorts\/$/, 'events/');
  editorCard.hidden = true;
  setBusy(editorCard, false);
  let pickers;

  function actions(cohort) {
    const use = el('a', { class: 'button button-quiet', href: `${explorer}#q=${encodeURIComponent(JSON.stringify({
      series: [{ event: null, math: 'persons', filters: [] }],
      filters: [{ key: 'cohort', op: 'in', value: cohort.id }],
      breakdown: null,
      interval: data.interval,
    }))}` }, t('use_in_explorer'));
    if (!mayChange) return use;
    const edit = el('button', { type: 'button', class: 'button', dataset: { edit: String(cohort.id) } }, t('edit'));
    edit.addEventListener('click', () => openEditor(cohort));
    const remove = el('button', { type: 'button', class: 'button', dataset: { delete: String(cohort.id) } }, t('delete'));
    const cell = el('span', { class: 'row-actions' }, use, edit, remove);
    // Asked in the row, not with window.confirm: the page opens no dialogs.
    remove.addEventListener('click', () => {
      const yes = el('button', { type: 'button', class: 'button button-danger', dataset: { confirmDelete: String(cohort.id) } }, t('delete'));
      const no = el('button', { type: 'button', class: 'button' }, t('cancel'));
      no.addEventListener('click', () => fill(cell, use, edit, remove));
      yes.addEventListener('click', async () => {
        try {
          await deleteJson(url(cohort.id));
          await reload();
        } catch (error) {
          showError(box, error);
        }
      });
      fill(cell, el('span', {}, t('confirm_delete', { name: cohort.name })), ' ', yes, no);
    });
    return cell;
  }

  function renderList(cohorts) {
    fill(root.querySelector('[data-cohort-table]'), cohorts.length ? table({
      caption: t('name'),
      columns: [
        { label: t('name'), value: (c) => c.name },
        { label: t('definition'), value: (c) => describe(c.definition) },
        { label: t('updated'), value: (c) => new Date(c.updated_at).toLocaleDateString(locale(data.language), { timeZone: data.site.timezone }) },
        { label: t('actions'), value: actions },
      ],
      rows: cohorts,
    }) : el('p', { class: 'muted', dataset: { noCohorts: '' } }, t(mayChange ? 'no_cohorts' : 'no_cohorts_viewer')));
    setBusy(listCard, false);
  }

  async function reload() {
    setBusy(listCard, true);
    renderList(await getJson(url()));
  }

  function openEditor(cohort) {
    clearFieldErrors(form);
    box.hidden = true;
    const definition = cohort ? cohort.definition : { match: 'all', criteria: [{ type: 'event', event: pickers.catalogue.events.length ? pickers.catalogue.events[0].name : '', min_count: 1 }] };
    const name = el('input', { type: 'text', value: cohort ? cohort.name : '', required: true, maxlength: '200', dataset: { field: 'name' } });
    const match = select([['all', t('match_all')], ['any', t('match_any')]], definition.match || 'all', { dataset: { field: 'definition.match' } });
    const rows = [];
    const list = el('div', { class: 'row-list', dataset: { field: 'definition.criteria' } });
    const add = (criterion) => {
      const item = criterionRow(pickers, criterion);
      item.remove.addEventListener('click', () => {
        rows.splice(rows.indexOf(item), 1);
        item.row.remove();
      });
      rows.push(item);
      list.append(item.row);
    };
    for (const criterion of definition.criteria || []) add(criterion);
    const addEvent = el('button', { type: 'button', class: 'button button-quiet' }, t('add_event_criterion'));
    addEvent.addEventListener('click', () => add({ type: 'event', event: '', min_count: 1 }));
    const addProperty = el('button', { type: 'button', class: 'button button-quiet' }, t('add_property_criterion'));
    addProperty.addEventListener('click', () => add({ type: 'property', key: '', op: 'eq' }));
    const save = el('button', { type: 'submit', class: 'button button-primary' }, t('save'));
    const cancel = el('button', { type: 'button', class: 'button' }, t('cancel'));
    cancel.addEventListener('click', () => {
      editorCard.hidden = true;
    });
    fill(form,
      el('h2', {}, cohort ? t('edit_cohort', { name: cohort.name }) : t('new_cohort')),
      el('div', { class: 'control-group' }, labelled(t('name'), name), labelled(t('match'), match)),
      list,
      el('div', { class: 'form-actions' }, addEvent, addProperty),
      el('div', { class: 'form-actions' }, save, cancel));
    form.onsubmit = async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      box.hidden = true;
      const body = { name: name.value, definition: { match: match.value, criteria: rows.map((item, i) => item.read(`definition.criteria[${i}]`)) } };
      save.disabled = true;
      try {
        await (cohort ? patchJson(url(cohort.id), body) : postJson(url(), body));
        editorCard.hidden = true;
        await reload();
      } catch (error) {
        reportQueryError(form, box, error, null);
      } finally {
        save.disabled = false;
      }
    };
    editorCard.hidden = false;
    name.focus();
  }

  try {
    const loaded = await loadPickers(data.api);
    pickers = pickerLists(root, loaded, data.api);
    renderList(loaded.cohorts);
  } catch (error) {
    setBusy(listCard, false);
    showError(box, error, () => initCohorts(root, data));
    return;
  }
  const create = root.querySelector('[data-new-cohort]');
  create.hidden = !mayChange;
  create.addEventListener('click', () => openEditor(null));
  const note = root.querySelector('[data-read-only]');
  fill(note, t('read_only'));
  note.hidden = mayChange;
}
