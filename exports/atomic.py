"""Atomic file writes: render to a temporary file beside the target, then rename over it."""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces `path`, on failure it is removed."""
    with atomic_paths(path) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_paths(*paths: Path) -> Iterator[tuple[Path, ...]]:
    """Yield one temporary path per target. On success each is synced to disk and then
    each replaces its target, the renames only after every file is whole; on failure (a
    full disk, say) every temporary file is removed and the targets are left as they were."""
    tmps: list[Path] = []
    try:
        for path in map(Path, paths):
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            tmps.append(Path(name))
        yield tuple(tmps)
        for tmp in tmps:
            _fsync(tmp)  # on disk before the rename: a crash cannot leave an empty file there
            os.chmod(tmp, 0o644)
        for tmp, path in zip(tmps, paths, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for tmp in tmps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
