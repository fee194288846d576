"""Real SPARQL servers on loopback for the tests: the Oxigraph server (PyPI `oxigraph`) and
Virtuoso (Debian `virtuoso-opensource`), each started with its own data folder and config,
bound to 127.0.0.1, and stopped by PID."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str                       # the SPARQL query endpoint
    process: subprocess.Popen
    options: dict = field(default_factory=dict)  # keyword arguments for SparqlStore
    log: Path | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_http(url: str, proc: subprocess.Popen, log: Path | None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {text}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} after {timeout:.0f} s")


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def start_oxigraph(folder: Path) -> Server:
    """`oxigraph serve` on a free loopback port with its data in `folder`."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "serve", "--location", str(folder / "db"),
                                 "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_http(base + "/query?query=ASK%7B%7D", proc, log)
    return Server("oxigraph", base + "/query", proc, {}, log)


VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"

_VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
MaxClientConnections = 10
CheckpointInterval = 0
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
MaxQueryMem        = 500M
ThreadsPerQuery    = 2
DirsAllowed        = {d}
VADInstallDir      = /usr/share/virtuoso-opensource-7/vad/

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {d}/vsp
MaxClientConnections = 10
ServerThreads      = 10
MaxKeepAlives      = 10
KeepAliveTimeout   = 10
HTTPThreadSize     = 280000
Charset            = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows   = {max_rows}
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
DefaultGraph       =
"""


def virtuoso_available() -> bool:
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None


def start_virtuoso(folder: Path, *, max_rows: int = 10000) -> Server:
    """Virtuoso with a config of our own in `folder`: both ports on 127.0.0.1, the dba password
    changed from the default, and a dedicated writer user allowed SPARQL updates."""
    if not virtuoso_available():
        raise RuntimeError("Virtuoso is not installed (Debian package virtuoso-opensource)")
    (folder / "vsp").mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_VIRTUOSO_INI.format(
        d=folder, sql_port=sql_port, http_port=http_port, max_rows=max_rows))
    log = folder / "stdout.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                                cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_http(base + "/sparql?query=ASK%7B%7D", proc, folder / "virtuoso.log", timeout=120)
        dba_password = secrets.token_urlsafe(12)
        writer, writer_password = "kgwriter", secrets.token_urlsafe(12)
        _isql(sql_port, "dba", "dba", f"""
            USER_SET_PASSWORD('dba', '{dba_password}');
            DB.DBA.USER_CREATE('{writer}', '{writer_password}');
            GRANT SPARQL_UPDATE TO "{writer}";
            DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{writer}', 3);
            DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1);
        """)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return Server("virtuoso", base + "/sparql", proc,
                  {"user": writer, "password": writer_password, "auth": "digest"},
                  folder / "virtuoso.log")


def _isql(port: int, user: str, password: str, script: str) -> str:
    statements = [s.strip() for s in script.split(";") if s.strip()]
    cmd = [ISQL, f"127.0.0.1:{port}", user, password, "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF",
           "ERRORS=STDOUT", "exec=" + "; ".join(statements) + ";"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ})
    if p.returncode != 0 or "*** Error" in p.stdout:
        raise RuntimeError(f"isql failed: {p.stdout[-1000:]} {p.stderr[-500:]}")
    return p.stdout
