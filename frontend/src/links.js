// Outbound-link and file-download clicks (/links.js): an add-on the beacon loads only when the site's
// script tag has data-outbound and/or data-downloads. It reports through the public command API.
const FILES = /\.(pdf|zip|rar|7z|gz|tgz|bz2|xz|dmg|exe|msi|apk|ipa|csv|xlsx?|docx?|pptx?|odt|ods|mp[34]|wav)$/i;

const { attr } = window.sightline;

// Capture phase: the click is seen even when the page's own handler stops it from bubbling.
addEventListener(
  'click',
  (e) => {
    const a = e.target.closest?.('a[href]');
    if (!a) return;
    const kind =
      attr.downloads != null && FILES.test(a.pathname)
        ? 'file_download'
        : attr.outbound != null && a.host && a.host != location.host && 'outbound_click';
    if (kind) window.sightline('track', kind, { url: a.href });
  },
  true,
);
