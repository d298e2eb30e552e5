"""The one way commands write an output file (`--output FILE`): the path is checked before
any work, and the file is written whole or not at all."""

from __future__ import annotations

import os
import tempfile

from metrics.errors import UserError


def output_path(text: str) -> str:
    """The absolute output path, refused before any work when it is a folder or its folder
    does not exist."""
    path = os.path.abspath(text)
    if os.path.isdir(path):
        raise UserError(f"--output: {path} is a folder; name a file in it")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise UserError(f"--output: folder {folder} does not exist")
    return path


def write_whole(path: str, content: str | bytes) -> None:
    """Writes a temporary file beside `path` and renames it into place: readers see the old
    file or the whole new one, never part of it, and a failure leaves the old one as it was."""
    folder, name = os.path.split(path)
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"--output: cannot write in {folder}: {exc.strerror}") from None
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        # mkstemp makes the file private; give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
