// Retention: first-time or recurring cohorts by day/week/month, optionally split by a property → a retention
// query; D1/D7/D30 (W…/M…) headline numbers and the cohort grid as a heat-map table. The cell shading is a
// class per tenth (heat-0 … heat-10), never an inline style: the CSP allows no style attributes.
import { startAnalysis, valueLabel } from '../analysis_page.js';
import { el, fill } from '../dom.js';
import { formatters, locale } from '../format.js';
import { t } from '../page_data.js';
import { breakdownEditor, eventInput, filterEditor, labelled, select } from '../query_controls.js';

const PERIODS = ['day', 'week', 'month'];
const TYPES = ['first_time', 'recurring'];

function build(pickers, state) {
  const saved = state || {};
  const first = pickers.catalogue.events.length ? pickers.catalogue.events[0].name : '';
  const target = eventInput(pickers, { value: saved.target ? saved.target.event : first, field: 'target.event' });
  const returning = eventInput(pickers, { value: saved.returning ? saved.returning.event : '', field: 'returning.event', allowAll: true });
  returning.placeholder = t('same_as_target');
  const kind = select(TYPES.map((k) => [k, t(`type_${k}`)]), saved.retention_type || 'first_time', { dataset: { field: 'retention_type' } });
  const period = select(PERIODS.map((p) => [p, t(`period_${p}`)]), saved.period || 'day', { dataset: { field: 'period' } });
  const filters = filterEditor(pickers, { filters: saved.filters || [] });
  const breakdown = breakdownEditor(pickers, { breakdown: saved.breakdown });
  return {
    nodes: [
      el('div', { class: 'control-group' }, labelled(t('target'), target), labelled(t('returning'), returning)),
      el('div', { class: 'control-group' }, labelled(t('retention_type'), kind), labelled(t('period'), period)),
      el('fieldset', { class: 'query-part' }, el('legend', {}, t('filters')), filters.node),
      breakdown.node,
    ],
    read: () => {
      const query = {
        target: { event: target.value.trim() },
        retention_type: kind.value,
        period: period.value,
        filters: filters.read(),
        breakdown: breakdown.read(),
      };
      if (returning.value.trim()) query.returning = { event: returning.value.trim() };
      return query;
    },
  };
}

function heatClass(rate) {
  return `heat heat-${Math.max(0, Math.min(10, Math.round(rate * 10)))}`;
}

function grid(result, cohorts, headline, fmt, caption) {
  const unit = result.period === 'day' ? 'D' : result.period === 'week' ? 'W' : 'M';
  const width = Math.max(0, ...cohorts.map((c) => c.values.length));
  const day = new Intl.DateTimeFormat(fmt.tag, result.period === 'month'
    ? { timeZone: fmt.zone, year: 'numeric', month: 'short' }
    : { timeZone: fmt.zone, month: 'short', day: 'numeric' });
  const head = el('tr', {}, el('th', { scope: 'col' }, t('cohort_start')), el('th', { scope: 'col', class: 'num' }, t('size')),
    Array.from({ length: width }, (_, k) => el('th', { scope: 'col', class: 'num' }, t('offset', { unit: t(`unit_${unit}`), n: k }))));
  // Periods in which nobody entered are left out: a grid of empty rows hides the ones that matter.
  const rows = cohorts.filter((c) => c.size > 0).map((c) => el('tr', { dataset: { cohort: c.start } },
    el('th', { scope: 'row' }, day.format(new Date(c.start))),
    el('td', { class: 'num' }, fmt.integer(c.size)),
    c.values.map((value) => {
      const rate = c.size ? value / c.size : 0;
      return el('td', { class: `num ${heatClass(rate)}`, title: `${fmt.integer(value)} / ${fmt.integer(c.size)}`, dataset: { value: String(value) } }, fmt.percent(rate));
    })));
  const cards = Object.entries(headline).map(([key, value]) => el('div', { class: 'card kpi', dataset: { headline: key } },
    el('h3', { class: 'kpi-label' }, key),
    el('p', { class: 'kpi-value' }, value === null ? el('span', { class: 'muted small' }, t('headline_none')) : fmt.percent(value))));
  return el('section', { class: 'retention-grid' },
    el('h3', {}, caption),
    el('div', { class: 'kpis kpis-small' }, cards),
    el('div', { class: 'table-scroll' }, el('table', { class: 'data-table heat-table' }, el('caption', { class: 'visually-hidden' }, caption), el('thead', {}, head), el('tbody', {}, rows))));
}

function render(result, query, { result: card, data }) {
  const fmt = { ...formatters(data.language, data.site.timezone), tag: locale(data.language), zone: data.site.timezone };
  const empty = result.cohorts.every((c) => !c.size);
  const none = card.querySelector('[data-no-results]');
  fill(none, t('no_results'));
  none.hidden = !empty;
  const grids = [grid(result, result.cohorts, result.headline, fmt, t('all_persons'))];
  for (const group of result.breakdown || []) grids.push(grid(result, group.cohorts, group.headline, fmt, valueLabel(group.breakdown_value)));
  fill(card.querySelector('[data-grids]'), grids);
}

export default function initRetention(root, data) {
  startAnalysis(root, data, { kind: 'retention', build, render });
}
