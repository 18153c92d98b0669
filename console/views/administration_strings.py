"""The words the administration pages' scripts show (site settings, consent, users & roles, API tokens),
translated on the server and handed over as the page's string catalogue."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Strings = dict[str, str | Promise]

# Shared by the four pages' forms and lists (frontend/src/console/admin_forms.js).
FORMS: Strings = {
    "save": _("Save"),
    "saving": _("Saving…"),
    "saved": _("Saved."),
    "not_saved": _("Not saved: %(detail)s"),
    "fix_fields": _("Not saved: correct the fields marked above."),
    "remove": _("Remove"),
    "confirm_remove": _("Really remove?"),
    "cancel": _("Cancel"),
    "copy": _("Copy"),
    "copied": _("Copied to the clipboard."),
    "copy_manually": _("Copying is not allowed here: the text is selected, press Ctrl+C (⌘C on a Mac)."),
    "read_only": _("Only admins of this site can change this; your role is %(role)s."),
    "error_conflict": _("Refused: %(detail)s"),
    "role_viewer": _("viewer"),
    "role_analyst": _("analyst"),
    "role_admin": _("admin"),
}

SETTINGS_STRINGS: Strings = {
    **FORMS,
    "alias": _("Sent as"),
    "alias_name": _("Stored as"),
    "no_aliases": _("No aliases yet: events are stored under the names clients send."),
    "dimension_key": _("Key"),
    "dimension_name": _("Name"),
    "dimension_scope": _("Scope"),
    "scope_event": _("Event"),
    "scope_user": _("User"),
    "no_dimensions": _("No custom dimensions yet. Declare the keys your events send in dims, e.g. image_version."),
    "test_sending": _("Sending a test event to %(url)s…"),
    "test_waiting": _(
        "Accepted by the collect endpoint. Waiting for it to be stored — in production events pass through Redis "
        "and the worker, which can take a few seconds…"
    ),
    "test_arrived": _("The test event arrived after %(seconds)s s. Collection works."),
    "test_slow": _(
        "Accepted, but not stored after %(seconds)s s. Is the Celery worker (which runs the stream consumer) "
        "running? The event is safe in Redis and will appear once it is."
    ),
    "test_refused": _("The collect endpoint refused the test event (%(status)s): %(detail)s"),
    "test_origin": _(
        "This site accepts events only from its allowed origins, and this console's origin (%(origin)s) is not "
        "one of them. Your own pages are not affected; to test from here, allow this origin too."
    ),
    "test_allow_origin": _("Allow %(origin)s and send again"),
    "test_origin_pending": _("Origin allowed. Sending again while every server process picks up the change…"),
    "test_ignored": _("The event was accepted but ignored by the site's consent rules."),
    "test_no_permission": _("Seeing events arrive needs the analyst role; the event was sent."),
    "recent_title": _("Latest test events"),
    "event": _("Event"),
    "time": _("Time"),
    "path": _("Path"),
    "source": _("Source"),
}

CONSENT_STRINGS: Strings = {
    "opt_in_rate": _("Opt-in rate"),
    "opt_out_rate": _("Opt-out rate"),
    "granted": _("Opted in"),
    "denied": _("Opted out"),
    "choices": _("Choices"),
    "day": _("Day"),
    "no_choices": _(
        "No consent choices were recorded in this period. Choices are recorded when visitors use the banner "
        "(shown on opt-in sites, or always — see Site settings › Consent banner), the opt-out element, or when "
        "your pages call sightline('consent', …), Matomo's or gtag's consent calls."
    ),
}

MEMBERS_STRINGS: Strings = {
    **FORMS,
    "username": _("User"),
    "role": _("Role"),
    "since": _("Member since"),
    "you": _("(you)"),
    "change_role": _("Role of %(user)s"),
    "member_added": _("%(user)s is now %(role)s of this site."),
    "user_created": _(
        "%(user)s was created and is %(role)s of this site. Their one-time password is below; it is shown only "
        "now. Hand it over safely and ask them to change it."
    ),
    "code_unknown_user": _("There is no user with this name. Tick “Create a new user” to create one."),
    "code_already_member": _("This user is already a member of this site; change their role in the list."),
    "code_username_taken": _("A user with this name already exists; untick “Create a new user” to add them."),
    "code_invalid_username": _("Use letters, digits and @ . + - _ only (at most 150 characters)."),
    "code_last_admin": _("A site keeps at least one admin: make someone else admin first."),
}

TOKENS_STRINGS: Strings = {
    **FORMS,
    "name": _("Name"),
    "prefix": _("Starts with"),
    "scope": _("Acts on"),
    "all_sites": _("All your sites, with your roles"),
    "site_role": _("%(site)s, as %(role)s"),
    "other_site": _("Site #%(id)s"),
    "created": _("Created"),
    "last_used": _("Last used"),
    "expires": _("Expires"),
    "never": _("never"),
    "not_yet": _("not yet"),
    "expired": _("expired"),
    "revoke": _("Revoke"),
    "confirm_revoke": _("Really revoke? Programs using it stop working at once."),
    "no_tokens": _("You have no API tokens. Create one to use the REST API from scripts and notebooks."),
    "token_created": _("Your new token is below. It is shown only now — copy it somewhere safe."),
    "holder": _("Holder"),
    "no_site_tokens": _("No tokens are narrowed to this site."),
    "code_role_not_held": _("You cannot give a token a role higher than your own on this site."),
    "code_invalid_expiry": _("The expiry date must be in the future."),
}
