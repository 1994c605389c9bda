"""The production layout (docker-compose.yml, deploy/nginx.conf) holds together: the commands
exist, every bot process reaches the same PostgreSQL with valid settings, the web side is
replicated behind the proxy, and the scheduler and migration run as their own services."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from botprocess import environment, run

from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
BOT_SERVICES = ("migrate", "web", "scheduler")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_layout_is_postgresql_migrate_web_scheduler_and_a_proxy(compose):
    services = compose["services"]

    assert set(services) == {"postgres", "migrate", "web", "scheduler", "proxy"}
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["web"]["command"] == ["milestone-bot", "serve", "--no-scheduler"]
    assert services["scheduler"]["command"] == ["milestone-bot", "scheduler"]
    assert services["migrate"]["command"] == ["milestone-bot", "migrate"]
    assert services["migrate"]["restart"] == "no"


def test_the_bot_starts_after_the_migration_which_waits_for_postgresql(compose):
    services = compose["services"]

    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_every_bot_process_uses_the_compose_postgresql_with_valid_settings(compose):
    postgres = compose["services"]["postgres"]["environment"]
    expected = (
        f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    for name in BOT_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"] == expected
        # What .env adds (see .env.example) plus what compose sets: accepted as they are.
        settings = load_settings(
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", **service["environment"]}
        )
        assert settings.database_url.startswith("postgresql+psycopg://")


@pytest.mark.parametrize("service", BOT_SERVICES)
def test_each_services_command_is_one_the_bot_has(compose, service, tmp_path):
    command = compose["services"][service]["command"]

    result = run(*command[1:], "--help", cwd=tmp_path, env=environment(tmp_path))

    assert result.returncode == 0, result.stderr


def test_the_proxy_spreads_requests_over_the_web_replicas(compose):
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    proxy = compose["services"]["proxy"]
    (port,) = compose["services"]["web"]["expose"]

    assert re.search(rf"server web:{port}\b", nginx)
    assert "proxy_pass http://milestone_bot;" in nginx
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["ports"] == ["3000:80"]
    assert re.search(r"listen 80;", nginx)


def test_stopping_leaves_time_to_finish_work_in_progress(compose):
    # serve waits up to 30 s for queued Slack calls after SIGTERM (bot/cli.py).
    for name in BOT_SERVICES:
        grace = compose["services"][name]["stop_grace_period"]
        assert int(grace.rstrip("s")) > 30
