"""The raw-page archive: every fetched body gzipped once under its sha256."""

import gzip
import hashlib
import os
import tempfile
import time
from pathlib import Path


def archive_path(archive_dir: Path | str, content_hash: str) -> Path:
    return Path(archive_dir) / content_hash[:2] / f"{content_hash}.html.gz"


def archive(archive_dir: Path | str, body: bytes) -> tuple[str, Path]:
    """Store `body` gzipped under its sha256, once; returns (hash, path)."""
    digest = hashlib.sha256(body).hexdigest()
    path = archive_path(archive_dir, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside then rename, so a crash or a concurrent writer never leaves half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{os.getpid()}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(gzip.compress(body, mtime=0))
        os.replace(tmp, path)
    return digest, path


def read_archived(path: str | Path) -> bytes:
    return unpack(Path(path).read_bytes())


def unpack(stored: bytes) -> bytes:
    """A page from its archive file's bytes (as shipped to a worker that has no access to the archive)."""
    return gzip.decompress(stored)


def remove_stale_temp_files(archive_dir: Path | str, older_than: float = 600) -> int:
    """Remove the `*.tmp` files a killed writer left beside the archive's pages; returns how many.
    A temp file names its writer's process id: one whose process is gone from this machine goes at
    once; any other (a writer elsewhere sharing the folder) once older than `older_than` seconds,
    since a live writer renames its file within moments."""
    cutoff = time.time() - older_than
    removed = 0
    for path in Path(archive_dir).glob("*/*.tmp"):
        try:
            if not _writer_alive(path) or path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # renamed or removed meanwhile by its writer or another cleaner
            continue
    return removed


def _writer_alive(temp: Path) -> bool:
    pid = temp.name.split("-", 1)[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return not pid.isdigit()  # our own leftovers are dead writes; a foreign name: judge by age
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
