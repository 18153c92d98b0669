// Consent: opt-in and opt-out rates per day of the site's time zone, from the consent ledger
// (GET /api/v1/sites/{id}/consent/daily/), as a chart, headline numbers and a table.
import { pageErrorShower, send } from '../admin_forms.js';
import { drawChart } from '../charts.js';
import { el, fill, setBusy, table } from '../dom.js';
import { formatters } from '../format.js';
import { t } from '../page_data.js';

export default function initConsent(root, data) {
  const fmt = formatters(data.language, data.site.timezone);
  const showError = pageErrorShower(root);
  const { from, to } = data.range.current;
  const dayLabel = (iso) => fmt.bucket(`${iso}T12:00:00Z`, 'day');
  const rate = (value) => (value === null ? '–' : fmt.percent(value));
  const busy = () => [...root.querySelectorAll('[data-kpi], [data-consent-chart], [data-consent-table]')];

  function render(result) {
    const { totals, days } = result;
    const kpi = (key, text) => fill(root.querySelector(`[data-kpi="${key}"] [data-value]`), text);
    kpi('granted', fmt.integer(totals.granted));
    kpi('denied', fmt.integer(totals.denied));
    kpi('opt_in_rate', rate(totals.opt_in_rate));

    const empty = totals.granted + totals.denied === 0;
    const emptyBox = root.querySelector('[data-empty-state]');
    fill(emptyBox.querySelector('[data-empty-text]'), t('no_choices'));
    emptyBox.hidden = !empty;

    // Rates as percentages 0-100: the chart's axis counts in whole numbers.
    const percent = (d, value) => (d.granted + d.denied ? Math.round(value * 1000) / 10 : null);
    drawChart(root.querySelector('[data-chart]'), {
      labels: days.map((d) => dayLabel(d.day)),
      datasets: [
        { label: t('opt_in_rate'), data: days.map((d) => percent(d, d.opt_in_rate)), spanGaps: true },
        { label: t('opt_out_rate'), data: days.map((d) => percent(d, 1 - (d.opt_in_rate ?? 0))), spanGaps: true, fill: false },
      ],
      numberFormat: (value) => fmt.percent(value / 100),
    });

    const columns = [
      { label: t('day'), value: (d) => dayLabel(d.day) },
      { label: t('granted'), value: (d) => fmt.integer(d.granted), numeric: true },
      { label: t('denied'), value: (d) => fmt.integer(d.denied), numeric: true },
      { label: t('opt_in_rate'), value: (d) => rate(d.opt_in_rate), numeric: true },
    ];
    // Newest day first, as people read a ledger.
    fill(root.querySelector('[data-table-body]'), table({ columns, rows: [...days].reverse() }));
  }

  async function load() {
    for (const node of busy()) setBusy(node, true);
    try {
      const query = new URLSearchParams({ start: from, end: to });
      render(await send(`${data.api}consent/daily/?${query}`));
    } catch (error) {
      showError(error, load);
      fill(root.querySelector('[data-table-body]'), el('p', { class: 'muted' }, '–'));
    } finally {
      for (const node of busy()) setBusy(node, false);
    }
  }

  load();
}
