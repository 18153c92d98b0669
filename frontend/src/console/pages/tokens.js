// API tokens: the user's own tokens (GET/POST /api/v1/tokens/, DELETE /api/v1/tokens/{id}/), created narrowed to
// this site with a role up to the user's own, or for all their sites; the token is shown once. Site admins also
// see and may revoke everyone's tokens narrowed to this site.
import { confirmButton, handleSubmit, pageErrorShower, roleLabel, send, setStatus, wireCopyButtons } from '../admin_forms.js';
import { el, fill, setBusy, table } from '../dom.js';
import { locale } from '../format.js';
import { t } from '../page_data.js';

const TOKENS = '/api/v1/tokens/';

export default function initTokens(root, data) {
  const when = new Intl.DateTimeFormat(locale(data.language), { timeZone: data.site.timezone, dateStyle: 'medium', timeStyle: 'short' });
  const showError = pageErrorShower(root);
  wireCopyButtons(root);

  const scope = (token) => {
    if (token.site === null) return t('all_sites');
    const site = data.siteNames[String(token.site)] || t('other_site', { id: token.site });
    return t('site_role', { site, role: roleLabel(token.role) });
  };
  const expiry = (token) => {
    if (!token.expires_at) return t('never');
    const at = new Date(token.expires_at);
    return at <= new Date() ? `${when.format(at)} (${t('expired')})` : when.format(at);
  };
  const columns = (revokeUrl, reload, status, withHolder) => [
    { label: t('name'), value: (k) => k.name || '–' },
    { label: t('prefix'), value: (k) => el('code', {}, `${k.prefix}…`) },
    ...(withHolder ? [{ label: t('holder'), value: (k) => k.user }] : []),
    { label: t('scope'), value: scope },
    { label: t('created'), value: (k) => when.format(new Date(k.created_at)) },
    { label: t('last_used'), value: (k) => (k.last_used_at ? when.format(new Date(k.last_used_at)) : t('not_yet')) },
    { label: t('expires'), value: expiry },
    {
      label: el('span', { class: 'visually-hidden' }, t('revoke')),
      value: (k) =>
        confirmButton(t('revoke'), t('confirm_revoke'), async () => {
          try {
            await send(revokeUrl(k), { method: 'DELETE' });
            setStatus(status, '');
            await reload();
          } catch (error) {
            setStatus(status, error.message, 'error');
          }
        }),
    },
  ];

  function tokenList(section, listUrl, revokeUrl, { empty, withHolder }) {
    const status = section.querySelector('[data-list-status]');
    async function load() {
      setBusy(section, true);
      try {
        const tokens = await send(listUrl);
        const body = section.querySelector('[data-list-body]');
        if (!tokens.length) fill(body, el('p', { class: 'muted' }, empty));
        else fill(body, table({ columns: columns(revokeUrl, reloadAll, status, withHolder), rows: tokens }));
      } catch (error) {
        showError(error, load);
      } finally {
        setBusy(section, false);
      }
    }
    return load;
  }

  const loadOwn = tokenList(root.querySelector('[data-tokens]'), TOKENS, (k) => `${TOKENS}${k.id}/`, {
    empty: t('no_tokens'),
    withHolder: false,
  });
  // Rendered for the site's admins only.
  const siteSection = root.querySelector('[data-site-tokens]');
  let loadSite = null;
  if (siteSection) {
    loadSite = tokenList(siteSection, `${data.api}tokens/`, (k) => `${data.api}tokens/${k.id}/`, {
      empty: t('no_site_tokens'),
      withHolder: true,
    });
  }
  function reloadAll() {
    return Promise.all([loadOwn(), loadSite && loadSite()]);
  }

  // The create form: a role only when narrowed to this site, never above the user's own role here.
  const form = root.querySelector('[data-new-token]');
  const roleSelect = form.elements.role;
  fill(roleSelect, data.grantableRoles.map((role) => el('option', { value: role }, roleLabel(role))));
  roleSelect.value = data.grantableRoles[0] || '';
  const syncScope = () => {
    roleSelect.disabled = form.elements.scope.value !== 'site';
  };
  form.elements.scope.addEventListener('change', syncScope);
  syncScope();
  const secretBox = form.querySelector('[data-new-token-secret]');

  handleSubmit(
    form,
    (f) => {
      secretBox.hidden = true;
      const narrowed = f.elements.scope.value === 'site';
      // The token works through the whole chosen day, as the reader's own clock counts it.
      const expires = f.elements.expires.value ? new Date(`${f.elements.expires.value}T23:59:59`).toISOString() : null;
      return send(TOKENS, {
        method: 'POST',
        payload: {
          name: f.elements.name.value.trim(),
          site: narrowed ? data.site.id : null,
          role: narrowed ? roleSelect.value : null,
          expires_at: expires,
        },
      });
    },
    {
      onSaved: (created) => {
        fill(secretBox.querySelector('[data-secret-text]'), t('token_created'));
        fill(secretBox.querySelector('[data-secret]'), created.token);
        secretBox.hidden = false;
        form.elements.name.value = '';
        form.elements.expires.value = '';
        reloadAll();
      },
    },
  );
  reloadAll();
}
