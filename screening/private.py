"""Files that hold health data are private from their first byte: 0600 files in 0700 folders.

Setting modes after writing leaves a window in which another account on the
server could open the file; creating them with the mode closes it, whatever the
umask of the process that starts the app.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def folder(path: str | os.PathLike) -> Path:
    """Create the folder (and parents) if missing, and make it private."""
    target = Path(path)
    target.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(target, FOLDER_MODE)
    return target


def touch(path: str | os.PathLike) -> Path:
    """Create an empty private file if missing; an existing one is made private."""
    target = Path(path)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    os.chmod(target, FILE_MODE)
    return target


def write_bytes(path: str | os.PathLike, data: bytes, exclusive: bool = False) -> None:
    """Write a private file; with `exclusive`, fail if it exists (FileExistsError)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.chmod(path, FILE_MODE)
