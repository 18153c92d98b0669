from datetime import date, timedelta

import pytest

from consent.models import VisitorSalt
from consent.services import visitor_salt_rotate

pytestmark = pytest.mark.django_db


def test_one_salt_per_day_and_none_older_than_48_hours():
    day = date(2026, 11, 22)
    for offset in (5, 3, 2, 1):
        VisitorSalt.objects.create(day=day - timedelta(days=offset), salt=b"old" * 8)
    salt = visitor_salt_rotate(today=day)
    assert len(salt) == 32
    assert visitor_salt_rotate(today=day) == salt
    assert sorted(VisitorSalt.objects.values_list("day", flat=True)) == [day - timedelta(days=1), day]
    tomorrow = visitor_salt_rotate(today=day + timedelta(days=1))
    assert tomorrow != salt
