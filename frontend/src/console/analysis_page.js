// The frame every insight page (events, funnels, retention, paths) shares: load the pickers, build the
// page's controls, run its query through the REST API on submit, show loading / empty / error states, and
// offer the same query's result as CSV or JSON. A page module supplies only `kind`, `build` and `render`.
import { insight } from './api.js';
import { download, loadPickers } from './analysis_api.js';
import { el, fill, setBusy } from './dom.js';
import { t } from './page_data.js';
import { clearFieldErrors, pickerLists, readState, reportQueryError, showError, writeState } from './query_controls.js';

export const canAnalyse = (data) => data.site.role === 'analyst' || data.site.role === 'admin';

function stamp() {
  return new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
}

// An export button: fetches the file, shows failures in the page's error box.
export function exportButton(label, box, fetchFile) {
  const button = el('button', { type: 'button', class: 'button' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await fetchFile();
    } catch (error) {
      showError(box, error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * spec: {
 *   kind: 'trends' | 'funnels' | 'retention' | 'paths',
 *   build(pickers, state) -> {nodes: Node[], read() -> query without date_range},
 *   render(result, query, parts) — draws the result into the result card,
 *   extraExports(query, parts) -> Node[] (optional),
 * }
 */
export async function startAnalysis(root, data, spec) {
  const parts = {
    box: root.querySelector('[data-page-error]'),
    card: root.querySelector('[data-query-card]'),
    form: root.querySelector('[data-query-form]'),
    result: root.querySelector('[data-result]'),
    data,
  };
  const { box, card, form, result } = parts;
  let pickers;
  try {
    pickers = pickerLists(root, await loadPickers(data.api), data.api);
  } catch (error) {
    setBusy(card, false);
    showError(box, error, () => startAnalysis(root, data, spec));
    return;
  }
  parts.pickers = pickers;
  if (!pickers.catalogue.events.length) {
    fill(root.querySelector('[data-empty-site-text]'), t('no_events_yet'));
    root.querySelector('[data-empty-site]').hidden = false;
  }
  const state = readState();
  const controls = spec.build(pickers, state);
  const submit = el('button', { type: 'submit', class: 'button button-primary' }, t('run'));
  fill(form, ...controls.nodes, el('div', { class: 'form-actions' }, submit));
  setBusy(card, false);

  async function execute() {
    clearFieldErrors(form);
    box.hidden = true;
    const partial = controls.read();
    writeState(partial);
    const query = { ...partial, date_range: data.range.current };
    result.hidden = false;
    setBusy(result, true);
    result.querySelector('[data-loading]').hidden = false;
    submit.disabled = true;
    try {
      const answer = await insight(data.api, spec.kind, query);
      spec.render(answer, query, parts);
      renderExports(query);
    } catch (error) {
      result.hidden = true;
      reportQueryError(form, box, error, execute);
    } finally {
      result.querySelector('[data-loading]').hidden = true;
      setBusy(result, false);
      submit.disabled = false;
    }
  }

  function renderExports(query) {
    const url = (format) => `${data.api}insights/${spec.kind}/?format=${format}`;
    const name = (format) => `site-${data.site.id}-${spec.kind}-${stamp()}.${format}`;
    fill(
      result.querySelector('[data-exports]'),
      exportButton(t('export_csv'), box, () => download(url('csv'), { payload: query, filename: name('csv') })),
      exportButton(t('export_json'), box, () => download(url('json'), { payload: query, filename: name('json') })),
      ...(spec.extraExports ? spec.extraExports(query, parts) : []),
    );
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    execute();
  });
  // A query from the URL, or the page's default one when the site has events: show numbers at once.
  if (state || (pickers.catalogue.events.length && spec.runByDefault !== false)) execute();
}

// The text of a breakdown value: "$other" and "not set" in the reader's words, anything else as is (text).
export function valueLabel(value) {
  if (value === '$other') return t('other');
  if (value === null || value === undefined || value === '') return t('none');
  return String(value);
}
