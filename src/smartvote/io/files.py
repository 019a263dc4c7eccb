"""Opening input files: plain or a single-file zip, and their header line, within limits.

Input files are untrusted: a 3 MB zip can expand to gigabytes, ``/dev/zero`` has no end
and no line break. Every byte read goes through :class:`Capped`, which stops at
:attr:`Limits.max_bytes` of uncompressed text; the header line is read with a length cap;
a damaged archive is reported as one (not as "not UTF-8 text"). When the fast reader
rejects a file, :func:`diagnose` streams it once more to name the first row that breaks a
rule (a line too long, bad UTF-8, fewer or more fields than the header).
"""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from smartvote.errors import InputError, Problem

#: Zip archives start with a local file header; an archive whose central directory is gone
#: (a truncated download) still starts with it.
_ZIP_MAGIC = b"PK\x03\x04"
#: What reading a damaged archive raises.
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on one input file: uncompressed bytes and bytes per line.

    The defaults are ~20× the largest real national file (47 MB uncompressed, lines of
    3 KB); ``smartvote ingest --max-input-mb/--max-line-kb`` or the environment variables
    ``SMARTVOTE_MAX_INPUT_MB`` / ``SMARTVOTE_MAX_LINE_KB`` raise them.
    """

    max_bytes: int = 1 << 30
    max_line: int = 1 << 20

    @classmethod
    def from_env(cls) -> Limits:
        def num(name: str, default: int, unit: int) -> int:
            raw = os.environ.get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                value = 0
            if value <= 0:
                raise InputError(
                    Problem("limit", "must be a positive whole number", column=name, value=raw)
                )
            return value * unit

        d = cls()
        return cls(
            num("SMARTVOTE_MAX_INPUT_MB", d.max_bytes, 1 << 20),
            num("SMARTVOTE_MAX_LINE_KB", d.max_line, 1 << 10),
        )


class Capped(io.RawIOBase):
    """A read-only stream that raises :class:`InputError` past ``limit`` bytes.

    Also turns errors of a damaged zip member into an ``archive`` problem.
    """

    def __init__(self, raw: IO[bytes], limit: int, file: str) -> None:
        super().__init__()
        self.raw, self.limit, self.file, self.count = raw, limit, file, 0

    def readable(self) -> bool:
        return True

    def _guarded(self, read: Callable[[int], bytes], size: int | None) -> bytes:
        """``read(size)`` on the raw stream, counted against the limit; a damaged zip
        member's error becomes an ``archive`` problem."""
        try:
            data = read(-1 if size is None else size)
        except ARCHIVE_ERRORS as e:
            raise damaged(self.file, e) from e
        self.count += len(data)
        if self.count > self.limit:
            raise too_large(self.file, self.limit)
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._guarded(self.raw.read, size)

    def readinto(self, b: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self._guarded(self.raw.readline, size)


def too_large(file: str, limit: int) -> InputError:
    return InputError(
        Problem(
            "too_large",
            f"more than {limit:,} bytes of text (raise --max-input-mb if the file is genuine)",
            file,
        )
    )


def damaged(file: str, e: BaseException) -> InputError:
    return InputError(Problem("archive", f"damaged zip archive: {e or type(e).__name__}", file))


def archive_damage(path: Path) -> InputError | None:
    """The error for a zip whose member fails its CRC check (None when it is sound).

    Deflate data flipped in the middle often decodes to wrong bytes without a zlib error;
    only the CRC at the member's end tells. Only called on a read that already failed.
    """
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (*ARCHIVE_ERRORS, OSError) as e:
        return damaged(str(path), e)
    if bad is not None:
        return InputError(Problem("archive", f"damaged zip archive: bad CRC of {bad}", str(path)))
    return None


def check_input_path(path: Path) -> None:
    """A clear error for a path that is missing, a directory, or not readable."""
    try:
        st = path.stat()
    except FileNotFoundError as e:
        raise InputError(Problem("exists", "file not found", str(path))) from e
    except OSError as e:
        raise InputError(Problem("readable", e.strerror or str(e), str(path))) from e
    if stat.S_ISDIR(st.st_mode):
        raise InputError(Problem("not_a_file", "a directory, not a data file", str(path)))
    if not stat.S_ISREG(st.st_mode):
        # a device (/dev/zero), a FIFO or a socket: no end to cap, no size to check
        raise InputError(Problem("not_a_file", "not a regular file", str(path)))
    if not os.access(path, os.R_OK):
        raise InputError(Problem("readable", "permission denied", str(path)))


@contextmanager
def open_text_bytes(path: Path, limits: Limits | None = None) -> Iterator[IO[bytes]]:
    """A capped binary stream of a plain file or of the single file inside a zip."""
    lim = limits or Limits.from_env()
    file = str(path)
    check_input_path(path)
    try:
        with path.open("rb") as probe:
            magic = probe.read(4)
        is_zip = zipfile.is_zipfile(path)
    except OSError as e:
        raise InputError(Problem("readable", e.strerror or str(e), file)) from e
    if magic == _ZIP_MAGIC and not is_zip:
        raise InputError(
            Problem("archive", "damaged zip archive: no central directory (truncated?)", file)
        )

    if is_zip:
        try:
            z = zipfile.ZipFile(path)
        except ARCHIVE_ERRORS as e:
            raise damaged(file, e) from e
        with z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if len(infos) != 1:
                raise InputError(
                    Problem("zip_single_file", f"zip holds {len(infos)} files, expected 1", file)
                )
            if infos[0].file_size > lim.max_bytes:
                raise too_large(file, lim.max_bytes)
            try:
                member = z.open(infos[0])
            except ARCHIVE_ERRORS as e:
                raise damaged(file, e) from e
            with member as fh:
                yield Capped(fh, lim.max_bytes, file)  # type: ignore[misc]
    else:
        st = path.stat()
        if stat.S_ISREG(st.st_mode) and st.st_size > lim.max_bytes:
            raise too_large(file, lim.max_bytes)
        with path.open("rb") as fh:
            yield Capped(fh, lim.max_bytes, file)  # type: ignore[misc]


def _line_too_long(file: str, row: int, limit: int) -> InputError:
    return InputError(
        Problem(
            "line_too_long",
            f"a line longer than {limit:,} bytes (raise --max-line-kb if the file is genuine)",
            file,
            row,
        )
    )


def read_header(path: Path, limits: Limits | None = None) -> list[str]:
    """First line of a CSV (plain or a single-file zip) or the columns of a Parquet file."""
    lim = limits or Limits.from_env()
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        check_input_path(path)
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowException, OSError) as e:
            raise InputError(
                Problem("parquet", f"not a readable Parquet file: {e}", str(path))
            ) from e
    with open_text_bytes(path, lim) as fh:
        raw = fh.readline(lim.max_line + 1)
    if len(raw) > lim.max_line:
        raise _line_too_long(str(path), 1, lim.max_line)
    try:
        line = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        if zipfile.is_zipfile(path) and (why := archive_damage(path)) is not None:
            raise why from e
        raise InputError(Problem("encoding", "not UTF-8 text", str(path), 1)) from e
    return next(csv.reader([line]), [])


def diagnose(path: Path, limits: Limits | None = None) -> None:
    """Stream a CSV and raise for the first row that breaks a rule; return when none does.

    Rules: every line at most ``max_line`` bytes, UTF-8 text, and every row with as many
    fields as the header (a short row, as in a truncated file, is never read as blanks).
    Rows are counted as the readers count them: the header is row 1.
    """
    lim = limits or Limits.from_env()
    try:
        _diagnose(path, lim)
    except InputError as e:
        # a damaged archive shows as bad text or rows: name the cause instead
        if e.rule != "archive" and zipfile.is_zipfile(path):
            raise (archive_damage(path) or e) from e
        raise


def _diagnose(path: Path, lim: Limits) -> None:
    file = str(path)
    with open_text_bytes(path, lim) as fh:
        width: int | None = None
        row = 0
        pending = ""  # a record whose quoted field spans lines
        start = 0
        line_no = 0
        while True:
            raw = fh.readline(lim.max_line + 1)
            if not raw:
                break
            line_no += 1
            if len(raw) > lim.max_line and not raw.endswith(b"\n"):
                raise _line_too_long(file, line_no, lim.max_line)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputError(Problem("encoding", "not UTF-8 text", file, line_no)) from e
            if line_no == 1:
                text = text.removeprefix("\ufeff")
            if not pending:
                start = line_no
            pending += text
            if pending.count('"') % 2:
                continue  # inside a quoted field: the record goes on
            record, pending = pending, ""
            if not record.strip():
                continue
            row = start
            fields = next(csv.reader([record]), [])
            if width is None:
                width = len(fields)
            elif len(fields) != width:
                few = len(fields) < width
                raise InputError(
                    Problem(
                        "row_width",
                        f"{len(fields)} fields where the header has {width}"
                        + (" (a short or truncated row)" if few else ""),
                        file,
                        row,
                    )
                )
        if pending:
            raise InputError(Problem("csv", "unterminated quoted field at the end", file, start))
