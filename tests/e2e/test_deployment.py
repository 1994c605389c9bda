"""The production layout (docker-compose.yml, deploy/nginx.conf) holds together: the commands
exist, every bot process reaches the same PostgreSQL with valid settings, the web side is
replicated behind the proxy, and the scheduler and migration run as their own services. And
installs are reproducible: base images pinned by digest, dependencies from hashed lock files
that agree with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.config import load_settings
from tests.support.botprocess import environment, run_installed

ROOT = Path(__file__).resolve().parents[2]
BOT_SERVICES = ("migrate", "web", "scheduler")
# name:tag@sha256:digest, the tag kept for readers.
PINNED_IMAGE = re.compile(r"[a-z0-9./_-]+:[\w.-]+@sha256:[0-9a-f]{64}")
LOCKS = {"runtime": ROOT / "requirements/runtime.txt", "test": ROOT / "requirements/test.txt"}


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

    assert command[0] == "milestone-bot"
    result = run_installed(*command[1:], "--help", cwd=tmp_path, env=environment(tmp_path))

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


# ------------------------------------------------------------------ reproducible installs


def test_every_base_image_is_pinned_by_digest(compose):
    pulled = [s["image"] for s in compose["services"].values() if "build" not in s]
    stages: set[str] = set()
    froms = re.findall(
        r"^FROM (\S+)(?: AS (\S+))?$", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE
    )

    assert len(pulled) == 2 and len(froms) == 3
    for image in pulled:
        assert PINNED_IMAGE.fullmatch(image), image
    for image, stage in froms:
        # A stage built on an earlier one names it; any other is pulled, and pinned.
        assert image in stages or PINNED_IMAGE.fullmatch(image), image
        stages.add(stage)


def test_the_image_installs_the_locked_dependencies_with_their_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "COPY requirements/runtime.txt ./requirements/" in dockerfile
    assert "pip install --require-hashes -r requirements/runtime.txt" in dockerfile
    assert "pip install --no-deps /wheels/*.whl" in dockerfile


def test_make_and_ci_install_from_the_locks_and_reinstall_when_they_change():
    makefile = (ROOT / "Makefile").read_text()

    assert re.search(r"^\$\(VENV\)/\.installed: requirements/runtime\.txt ", makefile, re.M)
    assert re.search(r"^\$\(VENV\)/\.installed-test: requirements/test\.txt ", makefile, re.M)
    assert "--require-hashes -r requirements/test.txt" in makefile
    assert re.search(r"^lock:", makefile, re.M)
    assert "make test" in (ROOT / ".ci/run").read_text()


def locked(lock: Path) -> dict[str, str]:
    """{package: version} of a lock file, each pinned with == and its hashes."""
    pins = {}
    for entry in re.split(r"\n(?=[a-z0-9])", lock.read_text().split("\n", 2)[2]):
        requirement = Requirement(entry.split(" \\")[0].split(" ;")[0])
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", entry
        assert "--hash=sha256:" in entry, entry
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_the_locks_pin_every_dependency_of_pyproject_the_same_way():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, test = locked(LOCKS["runtime"]), locked(LOCKS["test"])
    wanted = {
        "runtime": project["dependencies"] + project["optional-dependencies"]["gunicorn"],
        "test": project["dependencies"] + project["optional-dependencies"]["test"],
    }

    for name, pins in (("runtime", runtime), ("test", test)):
        for dependency in map(Requirement, wanted[name]):
            version = pins.get(canonicalize_name(dependency.name))
            # Stale after a change to pyproject.toml: `make lock` brings the lock up to date.
            assert version is not None, f"{dependency.name} is not in the {name} lock"
            assert dependency.specifier.contains(version), f"{dependency} locked at {version}"
    assert {name: test[name] for name in runtime} == runtime
