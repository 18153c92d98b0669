// Paths: what people do after (or before) an event, up to 10 steps → a paths query; one table per step,
// a tree of the flows (opened a level at a time, so a deep, wide result stays small) and the flows table.
import { startAnalysis } from '../analysis_page.js';
import { el, fill, table } from '../dom.js';
import { formatters } from '../format.js';
import { t } from '../page_data.js';
import { eventInput, filterEditor, labelled, select } from '../query_controls.js';

const TREE_CHILDREN = 8;

function build(pickers, state) {
  const saved = state || {};
  const backwards = Boolean(saved.end_event);
  const first = pickers.catalogue.events.length ? pickers.catalogue.events[0].name : '';
  const direction = select([['next', t('direction_next')], ['previous', t('direction_previous')]], backwards ? 'previous' : 'next');
  const event = eventInput(pickers, { value: saved.end_event || saved.start_event || first, field: 'start_event' });
  const depth = el('input', { type: 'number', min: '1', max: '10', class: 'narrow', value: String(saved.depth || 5), dataset: { field: 'depth' } });
  const limit = el('input', { type: 'number', min: '1', max: '50', class: 'narrow', value: String(saved.limit || 10), dataset: { field: 'limit' } });
  const collapse = el('input', { type: 'checkbox', checked: saved.collapse_repeats !== false, dataset: { field: 'collapse_repeats' } });
  const filters = filterEditor(pickers, { filters: saved.filters || [] });
  return {
    nodes: [
      el('div', { class: 'control-group' }, labelled(t('direction'), direction), labelled(t('event'), event), labelled(t('depth'), depth), labelled(t('per_step'), limit),
        el('span', { class: 'control control-check' }, collapse, el('label', {}, t('collapse')))),
      el('fieldset', { class: 'query-part' }, el('legend', {}, t('filters')), filters.node),
    ],
    read: () => {
      const anchor = direction.value === 'next' ? 'start_event' : 'end_event';
      event.dataset.field = anchor;
      return {
        [anchor]: event.value.trim(),
        depth: Number(depth.value),
        limit: Number(limit.value),
        collapse_repeats: collapse.checked,
        filters: filters.read(),
      };
    },
  };
}

function eventName(name) {
  return name === '$other' ? t('other_events') : name;
}

// A tree node: its summary now, its children (the flows out of it at the next step) when first opened.
function treeNode(result, offset, name, count, fmt) {
  const forward = result.direction === 'next';
  const nextOffset = forward ? offset + 1 : offset - 1;
  // Forward, a flow at offset k goes from step k-1 to step k; backward, from step k to step k+1.
  const children = result.edges.filter((e) => e.offset === nextOffset && (forward ? e.from === name : e.to === name));
  const summary = el('summary', {}, el('span', { class: 'tree-event' }, eventName(name)), ' ', el('span', { class: 'muted' }, fmt.integer(count)));
  if (!children.length || name === '$other') return el('li', {}, el('span', { class: 'tree-leaf' }, eventName(name), ' ', el('span', { class: 'muted' }, fmt.integer(count))));
  const details = el('details', {}, summary);
  details.addEventListener('toggle', () => {
    if (!details.open || details.dataset.filled) return;
    details.dataset.filled = '1';
    const shown = children.slice(0, TREE_CHILDREN);
    details.append(el('ul', { class: 'tree' }, shown.map((e) => treeNode(result, nextOffset, forward ? e.to : e.from, e.count, fmt))));
  });
  return el('li', {}, details);
}

function render(result, query, { result: card, data }) {
  const fmt = formatters(data.language, data.site.timezone);
  fill(card.querySelector('[data-summary]'), t('persons_anchor', { n: fmt.integer(result.persons), event: result.anchor }));
  const none = card.querySelector('[data-no-results]');
  fill(none, t('no_results'));
  none.hidden = result.persons > 0;
  const share = (n) => (result.persons ? n / result.persons : 0);
  fill(card.querySelector('[data-steps]'), result.steps.map((step) => el('section', { class: 'path-step', dataset: { offset: String(step.offset) } },
    el('h3', {}, t('offset_n', { n: step.offset })),
    table({
      caption: t('offset_n', { n: step.offset }),
      columns: [
        { label: t('event'), value: (e) => eventName(e.event) },
        { label: t('persons'), value: (e) => fmt.integer(e.count), numeric: true },
      ],
      rows: step.events,
      bar: (e) => share(e.count),
    }))));
  const root = el('ul', { class: 'tree tree-root' }, treeNode(result, 0, result.anchor, result.persons, fmt));
  const top = root.querySelector('details');
  if (top) top.open = true;
  fill(card.querySelector('[data-edges]'), root, result.edges.length ? table({
    caption: t('flows'),
    columns: [
      { label: t('offset_n', { n: '' }).trim(), value: (e) => String(e.offset), numeric: true },
      { label: t('from'), value: (e) => eventName(e.from) },
      { label: t('to'), value: (e) => eventName(e.to) },
      { label: t('persons'), value: (e) => fmt.integer(e.count), numeric: true },
    ],
    rows: result.edges,
  }) : '');
}

export default function initPaths(root, data) {
  startAnalysis(root, data, { kind: 'paths', build, render });
}
