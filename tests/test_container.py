"""The Docker image, built with podman, playing the end-to-end scenario (not part of CI).

Run with `make container-e2e`. Needs podman (and root, for ../shared/tools/container-check,
which builds the Dockerfile on a machine without Docker Hub). The bot runs in the
container on the host network, so it reaches the emulator on 127.0.0.1; its
database lives in a host folder mounted at /data, which outlives each container.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from stridecoach.bot.testing.emulator import Emulator
from stridecoach.bot.testing.ports import free_port
from tests.test_e2e import (
    RUNNER,
    TOKEN,
    BotProcess,
    play_back_routine_with_kill,
    play_start_and_question,
    Stored,
    say,
    sessions_feature_ready,
    start_and_wait,
)

ROOT = Path(__file__).resolve().parents[1]
CONTAINER_CHECK = ROOT.parent / "shared" / "tools" / "container-check"
IMAGE = "stridecoach:check"
NAME = "stridecoach-e2e"
BUILD_TIMEOUT = 1800  # the first build bootstraps a base image: minutes

pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(
        shutil.which("podman") is None or os.environ.get("STRIDECOACH_CONTAINER_E2E") != "1",
        reason="needs podman and STRIDECOACH_CONTAINER_E2E=1 (make container-e2e)",
    ),
]

# The Dockerfile's HEALTHCHECK command, run by hand (podman's OCI images ignore HEALTHCHECK).
HEALTHCHECK = (
    "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' "
    "% os.environ.get('HEALTH_PORT', '8080'), timeout=4)"
)


class ContainerBot(BotProcess):
    """`podman run` of the image; kill and terminate act on the container, not on the client."""

    def kill(self) -> None:
        if self.running:
            subprocess.run(["podman", "kill", "--signal", "KILL", NAME], capture_output=True, timeout=60)
            assert self.proc is not None
            self.proc.wait(timeout=60)

    def terminate(self, timeout: float = 30.0) -> int:
        subprocess.run(["podman", "kill", "--signal", "TERM", NAME], capture_output=True, timeout=60)
        return self.wait_exit(timeout)  # `podman run` exits with the container's status


@pytest.fixture(scope="module")
def image() -> str:
    result = subprocess.run(
        [str(CONTAINER_CHECK)], cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return IMAGE


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN, max_poll_seconds=10) as emu:
        yield emu


def test_the_image_serves_the_end_to_end_scenario(image: str, emulator: Emulator, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the container's non-root user writes here
    health_port = free_port()
    command = [
        "podman", "run", "--rm", "--replace", "--name", NAME, "--network", "host",
        "-v", f"{data}:/data",
        "-e", f"TELEGRAM_BOT_TOKEN={TOKEN}",
        "-e", f"TELEGRAM_API_BASE_URL={emulator.base_url}",
        "-e", f"HEALTH_PORT={health_port}",
        image,
    ]
    bot = ContainerBot(command, dict(os.environ), tmp_path, name="container")
    db_path = data / "stridecoach.db"
    try:
        start_and_wait(bot, emulator)
        uid = subprocess.run(["podman", "exec", NAME, "id", "-u"], capture_output=True, text=True, timeout=60)
        assert uid.stdout.strip() not in ("", "0"), uid  # not root
        check = subprocess.run(["podman", "exec", NAME, "python", "-c", HEALTHCHECK],
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stderr

        play_start_and_question(emulator)
        bot.kill()  # kill -9 of the container; the volume stays
        start_and_wait(bot, emulator)
        say(emulator, "hollow hold", "hollow body hold")
        if sessions_feature_ready():
            play_back_routine_with_kill(emulator, bot, Stored(db_path), lambda: start_and_wait(bot, emulator))
        assert bot.terminate() == 0  # SIGTERM: drained and closed, exit status 0
    finally:
        bot.kill()
    assert Stored(db_path).runner_ids() == {RUNNER}
    assert Stored(db_path).intact()
    log = bot.log()
    assert "stopped cleanly" in log and TOKEN not in log


# ---------------------------------------------------------------- the compose stack's shape

CADDY = shutil.which("caddy")
STACK_SECRET = "stack-secret-0123456789abcdef"


def _caddyfile(port: int, upstreams: list[int]) -> str:
    """deploy/Caddyfile as compose runs it, with what only compose provides swapped in:
    the replicas' addresses (compose's service names do not resolve on the host
    network), a local name with Caddy's own CA instead of a public certificate, and
    loopback, where the emulator posts from, admitted in place of Telegram's ranges."""
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$DOMAIN} {" in text and "bot-a:8443 bot-b:8443" in text, "deploy/Caddyfile changed: update this test"
    assert TELEGRAM_RANGES in text, "deploy/Caddyfile changed: update this test"
    site = "{\n\tskip_install_trust\n\tadmin off\n}\n" + f"https://localhost:{port} {{\n\ttls internal"
    return (text.replace("{$DOMAIN} {", site)
            .replace("bot-a:8443 bot-b:8443", " ".join(f"127.0.0.1:{p}" for p in upstreams))
            .replace(TELEGRAM_RANGES, "remote_ip 127.0.0.0/8"))


TELEGRAM_RANGES = "remote_ip 149.154.160.0/20 91.108.4.0/22"


@pytest.fixture
def fresh_pg(tmp_path: Path) -> Iterator[str]:
    from tests import databases

    if not databases.postgres_url():
        pytest.skip(f"needs a PostgreSQL server: set {databases.POSTGRES_URL_VARIABLE}")
    with databases.fresh_database("postgresql", tmp_path) as url:  # empty: the replicas migrate it
        yield url


@pytest.mark.skipif(CADDY is None, reason="needs the caddy binary")
def test_the_image_runs_the_compose_stack_on_postgresql(
    image: str, emulator: Emulator, fresh_pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two replicas of the image in webhook mode, set up as deploy/compose.yaml sets them up,
    on one empty PostgreSQL database, behind Caddy with deploy/Caddyfile: both migrate
    (taking turns), both are healthy, Telegram's updates reach them through Caddy over
    HTTPS, and with one replica killed Caddy sends every update to the other."""
    from sqlalchemy import text

    from stridecoach.storage.db import Database
    from stridecoach.storage.migrations import head_revision

    proxy_port = free_port()
    replicas = {name: (free_port(), free_port()) for name in ("bot-a", "bot-b")}  # webhook, health
    caddy_home = tmp_path / "caddy"
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(_caddyfile(proxy_port, [webhook for webhook, _health in replicas.values()]))
    caddy_env = {**os.environ, "HOME": str(caddy_home), "XDG_DATA_HOME": str(caddy_home / "data"),
                 "XDG_CONFIG_HOME": str(caddy_home / "config")}
    proxy = BotProcess([str(CADDY), "run", "--config", str(caddyfile), "--adapter", "caddyfile"], caddy_env,
                       tmp_path, name="caddy")
    bots: dict[str, ContainerBot] = {}
    for name, (webhook, health) in replicas.items():
        # compose.yaml's environment for bot-a and bot-b, ports moved apart on the host network.
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emulator.base_url,
            "DATABASE_URL": fresh_pg, "WEBHOOK_URL": f"https://localhost:{proxy_port}/telegram",
            "WEBHOOK_SECRET_TOKEN": STACK_SECRET, "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(webhook),
            "HEALTH_PORT": str(health), "LOG_FORMAT": "json", "REMINDER_SEND_RATE": "25",
            # compose admits its own (private) network, where Caddy is; here Caddy is on loopback.
            "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        command = ["podman", "run", "--rm", "--replace", "--name", f"stridecoach-{name}", "--network", "host",
                   *[arg for key, value in env.items() for arg in ("-e", f"{key}={value}")],
                   image, "python", "-X", "no_debug_ranges", "-OO", "-m", "stridecoach", "run", "--webhook"]
        bots[name] = StackBot(command, dict(os.environ), tmp_path, name=name)
    try:
        proxy.start()
        root = caddy_home / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        emulator.wait_for(root.exists, 30, "Caddy's local certificate authority")
        # The emulator is Telegram here: it posts each update to the webhook URL, through
        # Caddy, trusting Caddy's local authority as Telegram trusts a public one.
        monkeypatch.setenv("SSL_CERT_FILE", str(root))
        for bot in bots.values():
            bot.start()  # at the same moment, on an empty database
        for name, bot in bots.items():
            emulator.wait_for(lambda bot=bot: bot.healthy(), 90, f"{name} healthy")
        for name, bot in bots.items():
            check = subprocess.run(["podman", "exec", bot.container, "python", "-c", HEALTHCHECK],
                                   capture_output=True, text=True, timeout=60)
            assert check.returncode == 0, (name, check.stderr)
        db = Database(fresh_pg)
        try:
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        finally:
            db.close()

        assert emulator.telegram.webhook_url == f"https://localhost:{proxy_port}/telegram"  # Caddy
        for runner in range(7001, 7005):  # through Caddy, spread over both replicas
            say(emulator, "/start", "StrideCoach", user=runner)
        bots["bot-a"].kill()
        for runner in range(7005, 7009):  # bot-a gone: Caddy sends everything to bot-b
            say(emulator, "/start", "StrideCoach", user=runner)
        assert Stored(fresh_pg).runner_ids() == set(range(7001, 7009))
    finally:
        for bot in bots.values():
            bot.kill()
        proxy.kill()
    for name, bot in bots.items():
        assert TOKEN not in bot.log() and STACK_SECRET not in bot.log(), name


class StackBot(ContainerBot):
    """One replica's container, named for it."""

    @property
    def container(self) -> str:
        return f"stridecoach-{self.log_path.stem}"

    def healthy(self) -> bool:
        import httpx

        health = next(arg.split("=", 1)[1] for arg in self.command if arg.startswith("HEALTH_PORT="))
        try:
            return httpx.get(f"http://127.0.0.1:{health}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        if self.running:
            subprocess.run(["podman", "kill", "--signal", "KILL", self.container], capture_output=True, timeout=60)
            assert self.proc is not None
            self.proc.wait(timeout=60)
