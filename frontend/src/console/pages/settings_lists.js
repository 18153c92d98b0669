// Site settings: the event aliases and custom dimensions lists, each with an add form and remove buttons for
// admins. Aliases and keys are whatever clients sent: text nodes only.
import { confirmButton, handleSubmit, pageErrorShower, send } from '../admin_forms.js';
import { el, fill, setBusy, table } from '../dom.js';
import { t } from '../page_data.js';

function listSection(root, selector, { url, columns, empty, remove, form, toPayload }, data) {
  const section = root.querySelector(selector);
  const body = section.querySelector('[data-list-body]');
  const showError = pageErrorShower(root);

  async function load() {
    setBusy(section, true);
    try {
      const rows = await send(url);
      const cols = [...columns];
      if (data.canEdit) {
        cols.push({
          label: el('span', { class: 'visually-hidden' }, t('remove')),
          value: (row) =>
            confirmButton(t('remove'), t('confirm_remove'), async () => {
              try {
                await send(remove(row), { method: 'DELETE' });
                await load();
              } catch (error) {
                showError(error, load);
              }
            }),
        });
      }
      fill(body, rows.length ? table({ columns: cols, rows }) : el('p', { class: 'muted' }, empty));
    } catch (error) {
      fill(body);
      showError(error, load);
    } finally {
      setBusy(section, false);
    }
  }

  const addForm = section.querySelector(form);
  if (addForm && data.canEdit) {
    handleSubmit(addForm, (f) => send(url, { method: 'POST', payload: toPayload(f) }), {
      onSaved: () => {
        addForm.reset();
        load();
      },
    });
  }
  load();
}

export function initAliases(root, data) {
  const url = `${data.api}aliases/`;
  listSection(
    root,
    '[data-aliases]',
    {
      url,
      columns: [
        { label: t('alias'), value: (row) => el('code', {}, row.alias) },
        { label: t('alias_name'), value: (row) => el('code', {}, row.name) },
      ],
      empty: t('no_aliases'),
      remove: (row) => `${url}${encodeURIComponent(row.alias)}/`,
      form: '[data-add-alias]',
      toPayload: (f) => ({ alias: f.elements.alias.value.trim(), name: f.elements.name.value.trim() }),
    },
    data,
  );
}

export function initDimensions(root, data) {
  const url = `${data.api}dimensions/`;
  listSection(
    root,
    '[data-dimensions]',
    {
      url,
      columns: [
        { label: t('dimension_key'), value: (row) => el('code', {}, `dims.${row.key}`) },
        { label: t('dimension_name'), value: (row) => row.display_name },
        { label: t('dimension_scope'), value: (row) => t(`scope_${row.scope}`) },
      ],
      empty: t('no_dimensions'),
      remove: (row) => `${url}${row.id}/`,
      form: '[data-add-dimension]',
      toPayload: (f) => ({
        key: f.elements.key.value.trim(),
        display_name: f.elements.display_name.value.trim(),
        scope: f.elements.scope.value,
      }),
    },
    data,
  );
}
