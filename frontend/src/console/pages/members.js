// Users & roles (site admins): the site's members with their roles, changed in place; add an existing user or
// create one with a one-time password shown once; remove a member. The API keeps the last admin (409).
import { confirmButton, handleSubmit, pageErrorShower, roleLabel, send, setStatus, wireCopyButtons } from '../admin_forms.js';
import { el, fill, setBusy, table } from '../dom.js';
import { locale } from '../format.js';
import { t } from '../page_data.js';

export default function initMembers(root, data) {
  const url = `${data.api}members/`;
  const dateOnly = new Intl.DateTimeFormat(locale(data.language), { timeZone: data.site.timezone, dateStyle: 'medium' });
  const section = root.querySelector('[data-members]');
  const listStatus = section.querySelector('[data-list-status]');
  const showError = pageErrorShower(root);
  wireCopyButtons(root);

  function roleSelect(member) {
    const select = el(
      'select',
      { 'aria-label': t('change_role', { user: member.username }) },
      data.roles.map((role) => el('option', { value: role, selected: role === member.role }, roleLabel(role))),
    );
    select.addEventListener('change', async () => {
      select.disabled = true;
      try {
        const changed = await send(`${url}${member.id}/`, { method: 'PATCH', payload: { role: select.value } });
        member.role = changed.role;
        setStatus(listStatus, t('member_added', { user: member.username, role: roleLabel(changed.role) }), 'ok');
      } catch (error) {
        select.value = member.role; // the role it still has
        setStatus(listStatus, error.message, 'error');
      } finally {
        select.disabled = false;
      }
    });
    return select;
  }

  async function load() {
    setBusy(section, true);
    try {
      const members = await send(url);
      const columns = [
        { label: t('username'), value: (m) => [m.username, m.user_id === data.userId ? ` ${t('you')}` : ''] },
        { label: t('role'), value: roleSelect },
        { label: t('since'), value: (m) => dateOnly.format(new Date(m.created_at)) },
        {
          label: el('span', { class: 'visually-hidden' }, t('remove')),
          value: (m) =>
            confirmButton(t('remove'), t('confirm_remove'), async () => {
              try {
                await send(`${url}${m.id}/`, { method: 'DELETE' });
                setStatus(listStatus, '');
                await load();
              } catch (error) {
                setStatus(listStatus, error.message, 'error');
              }
            }),
        },
      ];
      fill(section.querySelector('[data-list-body]'), table({ columns, rows: members }));
    } catch (error) {
      showError(error, load);
    } finally {
      setBusy(section, false);
    }
  }

  const form = root.querySelector('[data-add-member]');
  const secretBox = form.querySelector('[data-new-password]');
  handleSubmit(
    form,
    (f) => {
      secretBox.hidden = true;
      const payload = {
        username: f.elements.username.value.trim(),
        role: f.elements.role.value,
        create_user: f.elements.create_user.checked,
      };
      return send(url, { method: 'POST', payload });
    },
    {
      onSaved: (member) => {
        const role = roleLabel(member.role);
        if (member.password) {
          fill(secretBox.querySelector('[data-secret-text]'), t('user_created', { user: member.username, role }));
          fill(secretBox.querySelector('[data-secret]'), member.password);
          secretBox.hidden = false;
        }
        setStatus(form.querySelector('[data-form-status]'), t('member_added', { user: member.username, role }), 'ok');
        form.elements.username.value = '';
        form.elements.create_user.checked = false;
        load();
      },
    },
  );
  load();
}
