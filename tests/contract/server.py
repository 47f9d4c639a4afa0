"""The real `crm` binary on a fresh database and a free port, for tests driven by stock tools.

`crm_server(binary, backend, provision)` is a context manager: it creates a fresh database
(a SQLite file in a temporary directory, or a PostgreSQL database created beside the one
CRM_TEST_DATABASE_URL names), runs `crm migrate`, provisions what was asked (a new workspace
through `crm admin create-workspace`, or the demo through `crm demo`), starts `crm serve` on a
free port, waits for `/api/health` and yields a `Running` with the base URL and the logins.
On the way out, also after an error or SIGTERM, it stops the server and drops the database.
PostgreSQL databases of runs that died without cleaning up (`crm_contract_<pid>_…` whose
process is gone) are swept at the next start.

Only the standard library and `psql` (PostgreSQL's client, there whenever PostgreSQL is)
are used, so any tool's venv can import this module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# CRM_JWT_SECRET is required with PostgreSQL; SQLite keeps a generated one beside its file.
JWT_SECRET = "contract-tests-secret-contract-tests-secret"
DEMO_PASSWORD = "demo-password"
# `crm demo` prints these logins; all share DEMO_PASSWORD.
DEMO_LOGINS = {
    "admin": "admin@demo.test",
    "manager": "manager1@demo.test",
    "rep": "rep1@demo.test",
    "service": "service@demo.test",
    "viewer": "viewer@demo.test",
}
DB_PREFIX = "crm_contract_"
_counter = itertools.count()


@dataclasses.dataclass(frozen=True)
class Login:
    workspace: str
    email: str
    password: str


@dataclasses.dataclass(frozen=True)
class Workspace:
    """`crm admin create-workspace` with these values."""

    slug: str = "contract"
    name: str = "Contract tests"
    admin_email: str = "admin@contract.test"
    admin_password: str = "contract-password-1"


@dataclasses.dataclass(frozen=True)
class Demo:
    """`crm demo --customers N`: the demo workspace with its users (see DEMO_LOGINS)."""

    customers: int = 200


@dataclasses.dataclass(frozen=True)
class Running:
    base_url: str
    backend: str
    database_url: str
    # Role name ("admin", "rep", …) → login. A fresh workspace has only "admin".
    logins: dict[str, Login]
    log_file: Path

    @property
    def admin(self) -> Login:
        return self.logins["admin"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _psql(admin_url: str, sql: str) -> str:
    out = subprocess.run(
        ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"psql {sql!r} failed: {out.stderr.strip()}")
    return out.stdout


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_postgres(admin_url: str) -> None:
    names = _psql(admin_url, f"SELECT datname FROM pg_database WHERE datname LIKE '{DB_PREFIX}%'")
    for name in names.split():
        m = re.fullmatch(rf"{DB_PREFIX}(\d+)_\d+", name)
        if m and not _pid_alive(int(m.group(1))):
            _psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite://{workdir / 'crm.db'}"
        return
    if backend != "postgres":
        raise ValueError(f"backend must be sqlite or postgres, not {backend!r}")
    if shutil.which("psql") is None:
        raise RuntimeError("psql is missing: install PostgreSQL's client (apt-get install postgresql-client)")
    admin_url = os.environ.get("CRM_TEST_DATABASE_URL") or DEFAULT_PG_URL
    _sweep_postgres(admin_url)
    name = f"{DB_PREFIX}{os.getpid()}_{next(_counter)}"
    _psql(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin_url, name)
    finally:
        _psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when this process dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _run(binary: str, args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    out = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"crm {' '.join(args[:2])} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    return out.stdout + out.stderr


def _wait_healthy(base_url: str, server: subprocess.Popen, log_file: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"crm serve exited with {server.returncode}:\n{log_file.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"crm serve did not become healthy within {timeout}s:\n{log_file.read_text()[-4000:]}")


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM (make interrupted, a CI timeout) unwinds like Ctrl-C, so cleanup runs."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def crm_server(
    binary: str | os.PathLike,
    backend: str = "sqlite",
    provision: Workspace | Demo | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Running]:
    """Serves the `crm` binary on a fresh `backend` database provisioned with `provision`
    (default: a fresh `Workspace()`); yields a `Running`."""
    binary = str(Path(binary).resolve())
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"{binary} is missing: build it first (cargo build -p crm-server --bin crm)")
    provision = provision if provision is not None else Workspace()
    with _sigterm_unwinds(), tempfile.TemporaryDirectory(prefix="crm-contract-") as tmp:
        workdir = Path(tmp)
        with _database(backend, workdir) as database_url:
            env = {
                **os.environ,
                "CRM_DATABASE_URL": database_url,
                "CRM_JWT_SECRET": JWT_SECRET,
                "CRM_LOG": "warn",
                "CRM_IMPORT_DIR": str(workdir / "imports"),
                "CRM_ATTACHMENT_DIR": str(workdir / "attachments"),
                **(extra_env or {}),
            }
            _run(binary, ["migrate"], env)
            if isinstance(provision, Demo):
                _run(binary, ["demo", "--customers", str(provision.customers)], env)
                logins = {role: Login("demo", email, DEMO_PASSWORD) for role, email in DEMO_LOGINS.items()}
            else:
                _run(
                    binary,
                    [
                        "admin", "create-workspace",
                        "--slug", provision.slug,
                        "--name", provision.name,
                        "--admin-email", provision.admin_email,
                        "--admin-password", provision.admin_password,
                    ],
                    env,
                )
                logins = {"admin": Login(provision.slug, provision.admin_email, provision.admin_password)}
            port = free_port()
            env["CRM_BIND"] = f"127.0.0.1:{port}"
            base_url = f"http://127.0.0.1:{port}"
            log_file = workdir / "serve.log"
            with open(log_file, "wb") as log:
                server = subprocess.Popen(
                    [binary, "serve"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=workdir,
                    preexec_fn=_die_with_parent,
                )
            try:
                _wait_healthy(base_url, server, log_file)
                yield Running(base_url, backend, database_url, logins, log_file)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
