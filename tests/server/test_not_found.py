import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_api_paths_answer_json():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no API endpoint at /api/v1/no-such-thing/.", "code": "not_found"}


def test_other_unknown_paths_keep_the_html_page():
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
