"""The one way the runner's machinery touches files in the workspace, the job's directories,
the cache and the run record — places a step (or a container) may have left links, hard
links and odd names in.

- A :class:`Tree` is a directory opened once; every operation is relative to its handle
  (``dir_fd``), one name at a time with ``O_NOFOLLOW``: nothing below the tree's own
  directory is ever reached through a link.
- Reading refuses a link met on the way (:class:`Refused`); :func:`locate` resolves a path
  the user named, following links only while they stay inside the allowed roots.
- Writing replaces: a new file is written beside the target and renamed over it, so a link
  or hard link in the way is replaced, never written through; a link or file where a
  directory must be is removed and a directory made, as git and tar do.
- Copies (:meth:`Tree.copy`) keep links as links and skip devices, pipes and sockets; that
  copied tree is the format of cache entries and artifacts, and restoring one writes only
  below its target.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_CHUNK = 1 << 20


class Refused(OSError):
    """A file operation that would leave its root or go through a link; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


def parts_of(relative: str | PurePosixPath) -> list[str]:
    """The names of a path relative to a tree; refused when it is absolute or climbs out."""
    text = str(relative)
    if "\0" in text:
        raise Refused(f"{text!r} is not a valid path")
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts:
        raise Refused(f"{text} is not below its directory")
    return [p for p in path.parts if p not in ("", ".")]


def _is_link_error(error: OSError) -> bool:
    return error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)


class Tree:
    """A directory opened once, and operations below it that never follow a link."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if create:
            self.path.mkdir(parents=True, exist_ok=True)
        parent = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            # The tree's own directory must not be a link a step put in place of it.
            self.fd = os.open(self.path.name or ".", _DIR, dir_fd=parent)
        except OSError as error:
            if _is_link_error(error):
                raise Refused(f"{self.path} is a link, not a directory; not used") from None
            raise
        finally:
            os.close(parent)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def relative(self, path: Path | str) -> str:
        """``path`` (absolute, lexically below the tree, or relative to it) relative to it."""
        path = Path(path)
        if not path.is_absolute():
            return str(PurePosixPath(*parts_of(str(path)))) if parts_of(str(path)) else "."
        try:
            return str(path.relative_to(self.path))
        except ValueError:
            raise Refused(f"{path} is not under {self.path}") from None

    # -- directories ------------------------------------------------------------------------

    @contextmanager
    def directory(self, relative: str | Path, *, create: bool = False) -> Iterator[int]:
        """A handle on the directory ``relative``: links on the way refused, or (``create``)
        replaced by directories, as missing ones are made."""
        fd = os.dup(self.fd)
        try:
            for name in parts_of(str(relative)):
                child = _step(fd, name, create)
                os.close(fd)
                fd = child
            yield fd
        finally:
            os.close(fd)

    def mkdir(self, relative: str | Path) -> None:
        with self.directory(relative, create=True):
            pass

    def scandir(self, relative: str | Path = ".") -> list[tuple[str, os.stat_result]]:
        """(name, lstat) of each entry of a directory, links as links."""
        with self.directory(relative) as fd:
            names = os.listdir(fd)  # noqa: PTH208  (a descriptor, not a path)
            return [(n, os.stat(n, dir_fd=fd, follow_symlinks=False)) for n in sorted(names)]

    def lstat(self, relative: str | Path) -> os.stat_result | None:
        parent, name = _split(relative)
        try:
            with self.directory(parent) as fd:
                return os.stat(name, dir_fd=fd, follow_symlinks=False)
        except (FileNotFoundError, Refused, NotADirectoryError):
            return None

    def exists(self, relative: str | Path) -> bool:
        return self.lstat(relative) is not None

    def remove(self, relative: str | Path) -> None:
        """Remove a file, link or whole directory (links are removed, never followed)."""
        parent, name = _split(relative)
        try:
            with self.directory(parent) as fd:
                _remove_at(fd, name)
        except FileNotFoundError:
            return

    # -- files ------------------------------------------------------------------------------

    def read_bytes(self, relative: str | Path, limit: int | None = None) -> bytes:
        """The regular file's content (a link is refused); past ``limit`` bytes, refused."""
        parent, name = _split(relative)
        with self.directory(parent) as dir_fd:
            return read_at(dir_fd, name, limit)

    def read_text(self, relative: str | Path, limit: int | None = None) -> str:
        return self.read_bytes(relative, limit).decode("utf-8", errors="replace")

    def write_bytes(self, relative: str | Path, data: bytes, mode: int = 0o644) -> None:
        """Write a new file and rename it over ``relative``: what was there (a link, a hard
        link, a file) is replaced, not written through."""
        parent, name = _split(relative)
        with self.directory(parent, create=True) as fd:
            _replace_at(fd, name, lambda out: os.write(out, data) if data else None, mode)

    def write_text(self, relative: str | Path, text: str, mode: int = 0o644) -> None:
        self.write_bytes(relative, text.encode("utf-8"), mode)

    def symlink(self, relative: str | Path, target: str) -> None:
        """Make (or replace with) a link; its target is stored as is, never followed here."""
        parent, name = _split(relative)
        with self.directory(parent, create=True) as fd:
            temporary = _temporary_name(name)
            os.symlink(target, temporary, dir_fd=fd)
            _rename_over(fd, temporary, name)

    def copy(
        self,
        relative: str | Path,
        target: Tree,
        target_relative: str | Path,
        *,
        skip: Iterable[str] = (),
    ) -> int:
        """Copy a file, link or directory to ``target``, links as links; the files copied.

        Names in ``skip`` are left out at the top of a directory copy.
        """
        if not parts_of(str(relative)):  # the tree itself
            return _copy_entry(
                self.fd, ".", os.fstat(self.fd), target, str(target_relative), set(skip)
            )
        parent, name = _split(relative)
        with self.directory(parent) as fd:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            return _copy_entry(fd, name, info, target, str(target_relative), set(skip))


def open_dir_at(dir_fd: int, name: str) -> int:
    """The directory ``name`` in ``dir_fd``, opened without following a link."""
    try:
        return os.open(name, _DIR, dir_fd=dir_fd)
    except OSError as error:
        if _is_link_error(error):
            raise Refused(f"{name} is a link or a file, not a directory; not followed") from None
        raise


def open_file_at(dir_fd: int, name: str) -> int:
    """The regular file ``name`` in ``dir_fd``, opened for reading without following a link
    (nor blocking on a pipe put in its place)."""
    try:
        fd = os.open(name, _READ, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused(f"{name} is a link; not followed") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Refused(f"{name} is not a regular file")
    os.set_blocking(fd, True)
    return fd


def read_at(dir_fd: int, name: str, limit: int | None = None) -> bytes:
    """The content of the regular file ``name`` in ``dir_fd``; past ``limit`` bytes, refused."""
    fd = open_file_at(dir_fd, name)
    try:
        chunks, size = [], 0
        while chunk := os.read(fd, _CHUNK):
            size += len(chunk)
            if limit is not None and size > limit:
                raise Refused(f"{name} is larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_new_at(dir_fd: int, name: str, data: bytes, mode: int | None = 0o644) -> None:
    """Create ``name`` in ``dir_fd`` with ``data``; fails if anything (a link too) is there.
    ``mode`` None: 0666 less the umask, as a plain ``open``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(name, flags, 0o666 if mode is None else mode, dir_fd=dir_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if mode is not None:
            os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _split(relative: str | Path) -> tuple[str, str]:
    parts = parts_of(str(relative))
    if not parts:
        raise Refused(f"{relative} names no file")
    return "/".join(parts[:-1]) or ".", parts[-1]


def _step(fd: int, name: str, create: bool) -> int:
    """The directory ``name`` in ``fd``, opened without following a link."""
    try:
        return os.open(name, _DIR, dir_fd=fd)
    except FileNotFoundError:
        if not create:
            raise
    except OSError as error:
        if not _is_link_error(error):
            raise
        if not create:
            raise Refused(f"{name} is a link or a file, not a directory; not followed") from None
        _remove_at(fd, name)
    os.mkdir(name, 0o755, dir_fd=fd)
    return os.open(name, _DIR, dir_fd=fd)


def _temporary_name(name: str) -> str:
    return f".{name[:100]}.mlops-{os.urandom(4).hex()}"


def _remove_at(fd: int, name: str) -> None:
    info = os.stat(name, dir_fd=fd, follow_symlinks=False)
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(name, dir_fd=fd)  # descriptor-based on Linux: links are not followed
    else:
        os.unlink(name, dir_fd=fd)


def _rename_over(fd: int, temporary: str, name: str) -> None:
    try:
        os.rename(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
    except OSError as error:
        if error.errno not in (errno.EISDIR, errno.ENOTDIR, errno.ENOTEMPTY, errno.EEXIST):
            _remove_at(fd, temporary)
            raise
        _remove_at(fd, name)  # a directory where a file goes: replaced, as tar does
        os.rename(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)


def _replace_at(
    fd: int,
    name: str,
    write: Callable[[int], object],
    mode: int,
    times: tuple[int, int] | None = None,
) -> None:
    temporary = _temporary_name(name)
    out = os.open(
        temporary,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
        mode & 0o777,
        dir_fd=fd,
    )
    try:
        write(out)
        os.fchmod(out, mode & 0o777)
        if times is not None:
            os.utime(out, ns=times)
    except BaseException:
        os.close(out)
        os.unlink(temporary, dir_fd=fd)
        raise
    os.close(out)
    _rename_over(fd, temporary, name)


def _copy_entry(
    fd: int, name: str, info: os.stat_result, target: Tree, to: str, skip: set[str]
) -> int:
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        target.symlink(to, os.readlink(name, dir_fd=fd))
        return 1
    if stat.S_ISREG(mode):
        try:
            source = os.open(name, _READ, dir_fd=fd)
        except OSError as error:
            if error.errno == errno.ELOOP:  # swapped for a link since it was listed
                raise Refused(f"{name} became a link; not followed") from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(source).st_mode):
                return 0
            os.set_blocking(source, True)
            parent, last = _split(to)

            def pump(out: int) -> None:
                while chunk := os.read(source, _CHUNK):
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(out, view) :]

            with target.directory(parent, create=True) as out_dir:
                _replace_at(out_dir, last, pump, mode, (info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(source)
        return 1
    if stat.S_ISDIR(mode):
        child = os.open(name, _DIR, dir_fd=fd)
        try:
            target.mkdir(to)
            copied = 0
            for entry in sorted(os.listdir(child)):  # noqa: PTH208
                if entry in skip:
                    continue
                entry_info = os.stat(entry, dir_fd=child, follow_symlinks=False)
                copied += _copy_entry(child, entry, entry_info, target, f"{to}/{entry}", set())
            return copied
        finally:
            os.close(child)
    return 0  # devices, pipes, sockets: never copied


def locate(path: Path, roots: Iterable[Path]) -> tuple[Path, str] | None:
    """(root, path relative to it) for ``path`` with its links resolved, when that stays
    inside one of ``roots``; else None. Open the result with :class:`Tree`, which refuses a
    link swapped in since."""
    real = Path(os.path.realpath(path))
    for root in roots:
        base = Path(os.path.realpath(root))
        if real == base or base in real.parents:
            return base, str(real.relative_to(base)) if real != base else "."
    return None
