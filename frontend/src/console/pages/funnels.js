// Funnel builder: 2–10 steps (each with its own filters), conversion window, order mode, exclusions,
// breakdown → a funnels query; a persons/dropped bar chart and table; click a step to list (and export) who
// dropped before it (analysts and admins: lists of people are individual-level data).
import { download, postJson } from '../analysis_api.js';
import { canAnalyse, exportButton, startAnalysis, valueLabel } from '../analysis_page.js';
import { drawChart } from '../charts.js';
import { el, fill, setBusy, table } from '../dom.js';
import { formatters } from '../format.js';
import { t } from '../page_data.js';
import { breakdownEditor, eventInput, filterEditor, labelled, select, showError } from '../query_controls.js';

const UNITS = ['minute', 'hour', 'day', 'week'];
const ORDERS = ['ordered', 'strict', 'any'];
const PAGE_SIZE = 50;

// A list of rows with add/remove, each row reading itself at its index: steps and exclusions both use it.
function rowList({ min, max, make, field, addLabel }) {
  const rows = [];
  const node = el('div', { class: 'row-list', dataset: { field } });
  const button = el('button', { type: 'button', class: 'button button-quiet' }, addLabel);
  const sync = () => {
    button.hidden = rows.length >= max;
    rows.forEach((item, i) => {
      item.remove.disabled = rows.length <= min;
      if (item.number) item.number(i);
    });
  };
  const add = (value) => {
    const item = make(value);
    item.remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(item), 1);
      item.row.remove();
      sync();
    });
    rows.push(item);
    node.append(item.row);
    sync();
  };
  button.addEventListener('click', () => add({}));
  return { node, button, add, read: () => rows.map((item, i) => item.read(i)) };
}

function stepRow(pickers, step) {
  const event = eventInput(pickers, { value: step.event, field: '' });
  const filters = filterEditor(pickers, { filters: step.filters || [], compact: true });
  const remove = el('button', { type: 'button', class: 'button button-quiet', 'aria-label': t('remove_step') }, '×');
  const title = el('span', { class: 'step-number' });
  const details = el('details', { open: Boolean(step.filters && step.filters.length) }, el('summary', {}, t('step_filters')), filters.node);
  const row = el('div', { class: 'step-row' }, title, labelled(t('event'), event), remove, details);
  return {
    row,
    remove,
    number: (i) => fill(title, t('step_n', { n: i + 1 })),
    read(i) {
      row.dataset.field = `steps[${i}]`;
      event.dataset.field = `steps[${i}].event`;
      return { event: event.value.trim(), filters: filters.read(`steps[${i}].filters`) };
    },
  };
}

function exclusionRow(pickers, exclusion) {
  const event = eventInput(pickers, { value: exclusion.event, field: '' });
  const from = el('input', { type: 'number', min: '1', max: '10', class: 'narrow', value: String((exclusion.from_step ?? 0) + 1) });
  const to = el('input', { type: 'number', min: '2', max: '10', class: 'narrow', value: String((exclusion.to_step ?? 1) + 1) });
  const remove = el('button', { type: 'button', class: 'button button-quiet', 'aria-label': t('remove') }, '×');
  const row = el('div', { class: 'control-group' }, labelled(t('event'), event), labelled(t('exclusion_between'), from), labelled(t('exclusion_and'), to), remove);
  return {
    row,
    remove,
    read(i) {
      const path = `exclusions[${i}]`;
      event.dataset.field = `${path}.event`;
      from.dataset.field = `${path}.from_step`;
      to.dataset.field = `${path}.to_step`;
      return { event: event.value.trim(), from_step: Number(from.value) - 1, to_step: Number(to.value) - 1 };
    },
  };
}

function build(pickers, state) {
  const saved = state || {};
  const names = pickers.catalogue.events.map((e) => e.name);
  const steps = rowList({ min: 2, max: 10, field: 'steps', addLabel: t('add_step'), make: (s) => stepRow(pickers, s) });
  for (const step of saved.steps || [{ event: names[0] || '' }, { event: names[1] || '' }]) steps.add(step);
  const exclusions = rowList({ min: 0, max: 10, field: 'exclusions', addLabel: t('add_exclusion'), make: (x) => exclusionRow(pickers, x) });
  for (const exclusion of saved.exclusions || []) exclusions.add(exclusion);
  const window = saved.conversion_window || { value: 14, unit: 'day' };
  const windowValue = el('input', { type: 'number', min: '1', class: 'narrow', value: String(window.value), dataset: { field: 'conversion_window.value' } });
  const windowUnit = select(UNITS.map((u) => [u, t(`unit_${u}`)]), window.unit, { dataset: { field: 'conversion_window.unit' } });
  const order = select(ORDERS.map((o) => [o, t(`order_${o}`)]), saved.order || 'ordered', { dataset: { field: 'order' } });
  const filters = filterEditor(pickers, { filters: saved.filters || [] });
  const breakdown = breakdownEditor(pickers, { breakdown: saved.breakdown });
  return {
    nodes: [
      steps.node,
      steps.button,
      el('div', { class: 'control-group', dataset: { field: 'conversion_window' } }, labelled(t('window'), windowValue), labelled(t('window_unit'), windowUnit), labelled(t('order'), order)),
      el('fieldset', { class: 'query-part' }, el('legend', {}, t('exclusions')), exclusions.node, exclusions.button),
      el('fieldset', { class: 'query-part' }, el('legend', {}, t('filters')), filters.node),
      breakdown.node,
    ],
    read: () => ({
      steps: steps.read(),
      conversion_window: { value: Number(windowValue.value), unit: windowUnit.value },
      order: order.value,
      exclusions: exclusions.read(),
      filters: filters.read(),
      breakdown: breakdown.read(),
    }),
  };
}

function droppedList(data, query, step, box, card) {
  const fmt = formatters(data.language, data.site.timezone);
  const url = (params) => `${data.api}insights/funnels/dropped/${params}`;
  card.hidden = false;
  fill(card.querySelector('[data-dropped-title]'), t('dropped_title', { from: step, to: step + 1 }));
  fill(card.querySelector('[data-dropped-exports]'), exportButton(t('export_dropped'), box, () => download(url(`?step=${step}&format=csv`), {
    payload: query,
    filename: `site-${data.site.id}-funnel-dropped-step-${step}.csv`,
  })));
  const body = card.querySelector('[data-dropped-body]');
  async function show(offset) {
    setBusy(card, true);
    fill(body, el('p', { class: 'loading' }, t('loading')));
    try {
      const page = await postJson(url(`page/?step=${step}&offset=${offset}&limit=${PAGE_SIZE}`), query);
      const previous = el('button', { type: 'button', class: 'button', disabled: offset === 0 }, t('previous'));
      const next = el('button', { type: 'button', class: 'button', disabled: !page.has_more }, t('next'));
      previous.addEventListener('click', () => show(Math.max(0, offset - PAGE_SIZE)));
      next.addEventListener('click', () => show(offset + PAGE_SIZE));
      fill(body, page.people.length ? [
        table({ caption: t('person_id'), columns: [{ label: t('person_id'), value: (id) => id }], rows: page.people }),
        el('div', { class: 'pager' }, previous,
          el('span', { class: 'muted' }, t('page_of', { first: fmt.integer(offset + 1), last: fmt.integer(offset + page.people.length) })), next),
      ] : el('p', { class: 'muted' }, t('dropped_none')));
    } catch (error) {
      fill(body);
      showError(box, error, () => show(offset));
    } finally {
      setBusy(card, false);
    }
  }
  show(0);
  card.scrollIntoView({ block: 'nearest' });
}

function render(result, query, { result: card, data, box }) {
  const fmt = formatters(data.language, data.site.timezone);
  const root = card.parentElement;
  const dropped = root.querySelector('[data-dropped]');
  dropped.hidden = true;
  const mayList = canAnalyse(data);
  const time = (s) => (s === null || s === undefined ? '–' : fmt.duration(s));
  const open = (index) => {
    if (mayList && index > 0 && result.steps[index].dropped > 0) droppedList(data, query, index, box, dropped);
  };
  fill(card.querySelector('[data-headline]'),
    el('div', { class: 'card kpi' }, el('h3', { class: 'kpi-label' }, t('overall_conversion')), el('p', { class: 'kpi-value', dataset: { headline: 'conversion' } }, fmt.percent(result.conversion_rate))),
    el('div', { class: 'card kpi' }, el('h3', { class: 'kpi-label' }, t('median_to_convert')), el('p', { class: 'kpi-value', dataset: { headline: 'median' } }, time(result.median_time_to_convert_s))));
  const none = card.querySelector('[data-no-results]');
  fill(none, t('no_results'));
  none.hidden = result.steps[0].count > 0;
  const labels = result.steps.map((s) => `${s.index + 1}. ${s.event}`);
  const chart = drawChart(card.querySelector('[data-chart]'), {
    type: 'bar',
    labels,
    datasets: [
      { label: t('persons'), data: result.steps.map((s) => s.count) },
      { label: t('dropped'), data: result.steps.map((s) => s.dropped) },
    ],
    numberFormat: fmt.integer,
  });
  chart.options.onClick = (_, elements) => elements.length && open(elements[0].index);
  chart.update();
  const droppedCell = (s) => {
    const count = fmt.integer(s.dropped);
    if (!mayList || s.index === 0 || s.dropped === 0) return count;
    const button = el('button', { type: 'button', class: 'link-button', dataset: { showDropped: String(s.index) } }, count, ' · ', t('show_dropped'));
    button.addEventListener('click', () => open(s.index));
    return button;
  };
  const steps = table({
    caption: t('step'),
    columns: [
      { label: t('step'), value: (s) => `${s.index + 1}. ${s.event}` },
      { label: t('persons'), value: (s) => fmt.integer(s.count), numeric: true },
      { label: t('conversion'), value: (s) => fmt.percent(s.conversion_rate), numeric: true },
      { label: t('step_conversion'), value: (s) => fmt.percent(s.step_conversion_rate), numeric: true },
      { label: t('dropped'), value: droppedCell, numeric: true },
      { label: t('median_time'), value: (s) => time(s.median_time_from_previous_s), numeric: true },
    ],
    rows: result.steps,
    bar: (s) => (result.steps[0].count ? s.count / result.steps[0].count : 0),
  });
  steps.querySelectorAll('tbody tr').forEach((tr, i) => (tr.dataset.step = String(i)));
  fill(card.querySelector('[data-steps]'), steps);
  fill(card.querySelector('[data-breakdown]'), result.breakdown ? table({
    caption: t('breakdown'),
    columns: [
      { label: t('breakdown_value'), value: (g) => valueLabel(g.breakdown_value) },
      ...result.steps.map((s, i) => ({ label: labels[i], value: (g) => fmt.integer(g.steps[i].count), numeric: true })),
      { label: t('conversion'), value: (g) => fmt.percent(g.conversion_rate), numeric: true },
    ],
    rows: result.breakdown,
  }) : '');
}

export default function initFunnels(root, data) {
  startAnalysis(root, data, { kind: 'funnels', build, render, runByDefault: false });
}
