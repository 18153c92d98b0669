// Events explorer: series (event + measure + filters), global filters, breakdown, interval → a trends query
// (docs/queries.md), drawn as a line chart with a totals table and a values-per-period table.
import { download } from '../analysis_api.js';
import { canAnalyse, exportButton, startAnalysis, valueLabel } from '../analysis_page.js';
import { drawChart } from '../charts.js';
import { el, fill, table } from '../dom.js';
import { formatters } from '../format.js';
import { t } from '../page_data.js';
import { breakdownEditor, eventInput, filterEditor, labelled, select } from '../query_controls.js';

const MATHS = ['count', 'persons', 'sessions', 'sum', 'avg', 'p50', 'p90'];
const OF_PROPERTY = new Set(['sum', 'avg', 'p50', 'p90']);
const INTERVALS = ['hour', 'day', 'week', 'month'];
const MAX_SERIES = 10;

function seriesRow(pickers, series, onRemove) {
  const event = eventInput(pickers, { value: series.event, allowAll: true, field: '' });
  const math = select(MATHS.map((m) => [m, t(`math_${m}`)]), series.math || 'count');
  const property = el('input', { type: 'text', list: pickers.numeric, value: series.property || '', placeholder: 'value, props.duration_ms', autocomplete: 'off' });
  const filters = filterEditor(pickers, { filters: series.filters || [], compact: true });
  const remove = el('button', { type: 'button', class: 'button button-quiet', 'aria-label': t('remove_series') }, '×');
  const propertyControl = labelled(t('property'), property);
  const row = el('fieldset', { class: 'series-row' },
    el('legend', {}, t('series')),
    el('div', { class: 'control-group' }, labelled(t('event'), event), labelled(t('measure'), math), propertyControl, remove),
    filters.node);
  const sync = () => {
    propertyControl.hidden = !OF_PROPERTY.has(math.value);
  };
  math.addEventListener('change', sync);
  remove.addEventListener('click', () => onRemove(item));
  sync();
  const item = {
    row,
    read(i) {
      const path = `series[${i}]`;
      row.dataset.field = path;
      event.dataset.field = `${path}.event`;
      math.dataset.field = `${path}.math`;
      property.dataset.field = `${path}.property`;
      fill(row.querySelector('legend'), `${t('series')} ${i + 1}`);
      const out = { event: event.value.trim() || null, math: math.value, filters: filters.read(`${path}.filters`) };
      if (OF_PROPERTY.has(math.value)) out.property = property.value.trim();
      return out;
    },
  };
  return item;
}

function build(pickers, state, data) {
  const saved = state || {};
  const defaultEvent = pickers.catalogue.events.length ? pickers.catalogue.events[0].name : null;
  const rows = [];
  const list = el('div', { class: 'series-list', dataset: { field: 'series' } });
  const addButton = el('button', { type: 'button', class: 'button button-quiet' }, t('add_series'));
  const remove = (item) => {
    if (rows.length === 1) return;
    rows.splice(rows.indexOf(item), 1);
    item.row.remove();
    addButton.hidden = rows.length >= MAX_SERIES;
  };
  const add = (series) => {
    const item = seriesRow(pickers, series, remove);
    rows.push(item);
    list.append(item.row);
    addButton.hidden = rows.length >= MAX_SERIES;
  };
  for (const series of saved.series || [{ event: defaultEvent, math: 'count' }]) add(series);
  addButton.addEventListener('click', () => add({ event: null, math: 'count' }));
  const filters = filterEditor(pickers, { filters: saved.filters || [] });
  const breakdown = breakdownEditor(pickers, { breakdown: saved.breakdown });
  const interval = select(INTERVALS.map((i) => [i, t(`interval_${i}`)]), saved.interval || data.interval, { dataset: { field: 'interval' } });
  return {
    nodes: [
      list,
      addButton,
      el('fieldset', { class: 'query-part' }, el('legend', {}, t('filters')), filters.node),
      el('div', { class: 'control-group' }, breakdown.node, labelled(t('interval'), interval)),
    ],
    read: () => ({
      series: rows.map((item, i) => item.read(i)),
      filters: filters.read(),
      breakdown: breakdown.read(),
      interval: interval.value,
    }),
  };
}

function render(result, query, { result: card, data }) {
  const fmt = formatters(data.language, data.site.timezone);
  const integerMath = (math) => math === 'count' || math === 'persons' || math === 'sessions';
  const number = (series, value) => (value === null || value === undefined ? '–' : integerMath(series.math) ? fmt.integer(value) : fmt.decimal(value));
  const name = (s) => {
    const asked = query.series[s.series] || {};
    const head = `${asked.event || t('all_events')} · ${t(`math_${s.math}`)}${asked.property ? ` ${asked.property}` : ''}`;
    return query.breakdown ? `${head} · ${valueLabel(s.breakdown_value)}` : head;
  };
  const empty = result.series.every((s) => s.data.every((v) => !v));
  const none = card.querySelector('[data-no-results]');
  fill(none, t('no_results'));
  none.hidden = !empty;
  drawChart(card.querySelector('[data-chart]'), {
    labels: result.buckets.map((iso) => fmt.bucket(iso, result.interval === 'hour' ? 'hour' : 'day')),
    datasets: result.series.map((s) => ({ label: name(s), data: s.data })),
    numberFormat: (v) => fmt.decimal(v),
  });
  // The API computes each total over the whole range (docs/queries.md): unique persons and sessions counted
  // once, percentiles over every value. Adding up the periods here would count a returning person twice.
  fill(card.querySelector('[data-totals]'), table({
    caption: t('total'),
    columns: [
      { label: t('series'), value: (s) => name(s) },
      { label: t('total'), value: (s) => number(s, s.total), numeric: true },
    ],
    rows: result.series,
  }));
  const columns = [{ label: t('period_start'), value: (i) => fmt.bucket(result.buckets[i], result.interval === 'hour' ? 'hour' : 'day') }];
  result.series.forEach((s) => columns.push({ label: name(s), value: (i) => number(s, s.data[i]), numeric: true }));
  const values = table({ caption: t('period_start'), columns, rows: result.buckets.map((_, i) => i) });
  values.classList.add('values-table');
  fill(card.querySelector('[data-values]'), values);
}

export default function initEvents(root, data) {
  startAnalysis(root, data, {
    kind: 'trends',
    build: (pickers, state) => build(pickers, state, data),
    render,
    extraExports: (query, { box }) => (canAnalyse(data) ? [exportButton(t('export_raw'), box, () => {
      const params = new URLSearchParams({ date_range: JSON.stringify(query.date_range), format: 'csv' });
      if (query.filters.length) params.set('filters', JSON.stringify(query.filters));
      return download(`${data.api}events/export?${params}`, { filename: `site-${data.site.id}-events.csv` });
    })] : []),
  });
}
