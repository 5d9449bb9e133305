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
from tests.test_webhook import free_port

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
