"""Pytest fixtures: start pinned upstream binaries (built by `make tools`) on loopback.

Mirrors test/helpers/proc.ts: free port, own temp dir, wait for readiness, keep the log for
failure messages, always stop the process.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def tool_paths() -> dict[str, str]:
    out = subprocess.run([str(REPO / "node_modules/.bin/tsx"), str(REPO / "tools/paths.ts")], capture_output=True, text=True, check=True, cwd=REPO)
    paths = json.loads(out.stdout)
    missing = [p for p in paths.values() if not Path(p).exists()]
    if missing:
        raise RuntimeError(f"missing tools {missing}: run `make tools`")
    return paths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    def __init__(self, tool: str, proc: subprocess.Popen, port: int, workdir: Path, log: Path):
        self.tool, self.proc, self.port, self.dir, self.log_path = tool, proc, port, workdir, log
        self.url = f"http://127.0.0.1:{port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.kill() if kill else self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def procs(tool_paths: dict[str, str], tmp_path: Path):
    started: list[Running] = []

    def start(tool: str, args: Callable[[int, Path], list[str]], ready_path: str = "/-/ready", timeout: float = 30, ready_codes=(200,), port: int | None = None, tls: bool = False) -> Running:
        port = port or free_port()
        workdir = tmp_path / f"{tool}-{len(started)}"
        workdir.mkdir()
        log = workdir / "process.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([tool_paths[tool], *args(port, workdir)], cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
        running = Running(tool, proc, port, workdir, log)
        started.append(running)
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{tool} exited with {proc.returncode} before it was ready:\n{running.log()[-3000:]}")
            try:
                url = running.url.replace("http://", "https://", 1) if tls else running.url
                # Readiness only: the certificate is checked by the tests themselves.
                context = ssl._create_unverified_context() if tls else None
                with urllib.request.urlopen(url + ready_path, timeout=1, context=context) as resp:
                    if resp.status in ready_codes:
                        return running
            except urllib.error.HTTPError as e:
                if e.code in ready_codes:  # e.g. 401: up, behind basic auth
                    return running
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{tool} not ready after {timeout}s:\n{running.log()[-3000:]}")
            time.sleep(0.1)

    yield start
    for p in started:
        p.stop()
