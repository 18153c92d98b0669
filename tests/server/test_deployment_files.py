"""docker-compose.yml and the Dockerfile describe the production stack; no Docker engine runs here, so the
files are checked for what they must say."""

from __future__ import annotations

import yaml

from tests.processes import ROOT


def test_compose_describes_the_production_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat", "migrate"}
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command and "--appendfsync always" in redis_command
    web = services["web"]["command"]
    assert web[:3] == ["granian", "--interface", "wsgi"] and web[-1] == "server.wsgi:application"
    assert services["worker"]["command"][:4] == ["celery", "-A", "server", "worker"]
    assert "maintenance" in services["worker"]["command"][services["worker"]["command"].index("-Q") + 1]
    assert services["beat"]["command"][:4] == ["celery", "-A", "server", "beat"]
    for name in ("web", "worker", "beat", "migrate"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://")


def test_dockerfile_builds_the_frontend_and_installs_the_locked_server():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["granian", "--interface", "wsgi"' in dockerfile and '"server.wsgi:application"]' in dockerfile
    assert "npm ci" in dockerfile and "npm run build" in dockerfile
    assert "requirements/prod.lock" in dockerfile
    assert (ROOT / "requirements" / "prod.lock").exists()
