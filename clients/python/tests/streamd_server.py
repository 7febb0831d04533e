"""The real streamd binary on loopback, over real TLS, for the tests.

STREAMD_BIN names the binary (scripts/python-client-test.sh sets it);
otherwise `swift build --show-bin-path` is asked where it is.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

# Roles for the tests: the shipped ones, plus a producer held to 1 message/s
# (burst 3) for the rate-limit test. Connection attempts are not limited, so
# reconnect tests do not trip 429.
ROLES = {
    "roles": {
        "viewer": {"subscribe": ["tick:*", "idea:*"]},
        "trader": {"includes": ["viewer"], "subscribe": ["signal:*", "order:{sub}", "payload:{sub}"],
                   "rate_limit": {"messages_per_second": 50, "burst": 100}},
        "producer": {"publish": ["tick:*", "signal:*", "idea:*", "order:*", "payload:*"],
                     "rate_limit": {"messages_per_second": 1000, "burst": 2000}},
        "slow-producer": {"publish": ["tick:*", "signal:*"],
                          "rate_limit": {"messages_per_second": 1, "burst": 3}},
    }
}
LIMITS = {
    "connection": {"attempts_per_minute_per_address": 100000},
    "origins": ["https://127.0.0.1"],
    "defaults": {"rate_limit": {"messages_per_second": 10, "burst": 20}, "max_connections": 50},
}
CLIENTS = {"disabled_clients": ["acct-banned"]}


def binary() -> str:
    configured = os.environ.get("STREAMD_BIN")
    if configured:
        return configured
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.strip()
    return os.path.join(path, "streamd")


class Streamd:
    """One server: keys, policies, TLS certificates and a data directory in a
    temporary directory; start(), stop(), kill() and restart() on one port."""

    def __init__(self) -> None:
        self.bin = binary()
        self.dir = Path(tempfile.mkdtemp(prefix="streamd-py-"))
        self.policies = self.dir / "policies"
        self.policies.mkdir()
        for name, content in (("roles.json", ROLES), ("limits.json", LIMITS), ("clients.json", CLIENTS)):
            (self.policies / name).write_text(json.dumps(content))
        self._run(["keys", "generate", "--kid", "py", "--dir", str(self.dir)])
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.log = self.dir / "server.log"

    def _run(self, args: list[str]) -> str:
        return subprocess.run([self.bin, *args], capture_output=True, text=True, check=True).stdout.strip()

    @property
    def ca(self) -> str:
        return str(self.dir / "certs" / "ca.pem")

    @property
    def url(self) -> str:
        return f"wss://127.0.0.1:{self.port}/ws"

    def token(self, sub: str, *roles: str, ttl: str = "30m") -> str:
        args = ["token", "issue", "--sub", sub, "--ttl", ttl, "--key", str(self.dir / "py-private.pem"),
                "--kid", "py", "--policies", str(self.policies)]
        for role in roles:
            args += ["--role", role]
        return self._run(args)

    def start(self) -> None:
        port_file = self.dir / "port"
        port_file.unlink(missing_ok=True)
        args = [self.bin, "serve", "--port", str(self.port or 0), "--port-file", str(port_file),
                "--cert", str(self.dir / "certs" / "server.pem"), "--key", str(self.dir / "certs" / "server.key"),
                "--ca", self.ca, "--jwt-key", f"py:ES256:{self.dir / 'py-public.pem'}",
                "--policies", str(self.policies), "--audit-log", str(self.dir / "audit.jsonl"),
                "--data-dir", str(self.dir / "streams"), "--log-format", "json", "--heartbeat", "5"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                self.port = int(port_file.read_text().strip())
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("streamd did not start:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def pause(self) -> None:
        """SIGSTOP: the server stops reading; what clients send waits in the sockets."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGSTOP)
        # The signal is delivered asynchronously: wait until every thread is stopped.
        deadline = time.monotonic() + 5
        tasks = Path(f"/proc/{self.process.pid}/task")
        while time.monotonic() < deadline:
            states = [(t / "stat").read_text().rsplit(")", 1)[1].split()[0] for t in tasks.iterdir()]
            if all(state in ("T", "t") for state in states):
                return
            time.sleep(0.005)
        raise RuntimeError("streamd did not stop on SIGSTOP")

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
