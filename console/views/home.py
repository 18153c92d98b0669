"""The console's entry: the first granted site's overview, or how to create a site; and the site switcher."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from console.navigation import PAGES_BY_KEY
from console.selectors import console_sites


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    sites = console_sites(user=request.user)
    if not sites:
        return render(request, "console/no_sites.html", {"is_superuser": request.user.is_superuser})
    return redirect("console:overview", sites[0].id)


@require_GET
@login_required
def switch_site(request: HttpRequest) -> HttpResponse:
    """The switcher's form (for browsers without the script): the same page of another site."""
    site_id = request.GET.get("site", "")
    page = request.GET.get("page", "overview")
    if not site_id.isdigit() or page not in PAGES_BY_KEY:
        return redirect("console:home")
    try:
        return redirect(reverse(f"console:{page}", args=[int(site_id)]))
    except NoReverseMatch:
        return redirect("console:home")
