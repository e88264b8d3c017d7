"""Small inputs that expand when parsed (issue 12 §1), built in the tests: a YAML alias bomb, an
Excel zip bomb and a CSV with one oversized field."""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any

from openpyxl import Workbook

HEADER = ["flow", "value", "unit", "region", "year", "dqr", "evidence"]
ROW = ["cam_ncm811", 28.4, "kg CO2e / kg", "KR", 2023, 2, "pcf.pdf"]
SHEET_PART = "xl/worksheets/sheet1.xml"
PLACEHOLDER = "EXPANDS-HERE"

#: Nine levels of nine aliases: 9**9 strings once expanded, 356 bytes as text.
BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    + ["chemistry: NCM811", "format: pouch", "cell: {capacity_ah: 50}", ""]
)


def workbook(rows: list[list[Any]], *, header: list[str] = HEADER) -> bytes:
    """An .xlsx with a ``datasets`` sheet: ``header`` then ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "datasets"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewritten(content: bytes, part: str, write: Any) -> bytes:
    """``content`` with ``part`` replaced by what ``write(stream, old_bytes)`` writes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == part:
                with target.open(part, "w") as stream:
                    write(stream, source.read(part))
            else:
                target.writestr(info, source.read(info.filename))
    return out.getvalue()


def xlsx_bomb(cell_chars: int) -> bytes:
    """A valid template-like workbook whose evidence cell holds ``cell_chars`` times ``x``:
    deflate packs it about 1000 to 1 (400 MB: a 394 KB upload)."""
    base = workbook([[*ROW[:-1], PLACEHOLDER]])

    def write(stream: Any, sheet: bytes) -> None:
        head, found, tail = sheet.partition(PLACEHOLDER.encode())
        assert found, "openpyxl wrote the cell elsewhere (shared strings?)"
        stream.write(head)
        chunk = b"x" * 1_000_000
        for _ in range(cell_chars // len(chunk)):
            stream.write(chunk)
        stream.write(b"x" * (cell_chars % len(chunk)))
        stream.write(tail)

    return _rewritten(base, SHEET_PART, write)


def with_extra_parts(content: bytes, count: int) -> bytes:
    """``content`` with ``count`` small extra parts in its archive."""
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for number in range(count):
            archive.writestr(f"customXml/item{number}.xml", "<a/>")
    return out.getvalue()


def understating_sheet_size(content: bytes, declared: int) -> bytes:
    """``content`` whose zip directory declares the sheet part ``declared`` bytes unpacked,
    less than it is (APPNOTE.TXT 4.3.12: the size is at offset 24 of the directory entry)."""
    data = bytearray(content)
    name = SHEET_PART.encode()
    entry = data.find(b"PK\x01\x02")
    while entry >= 0:
        (name_length,) = struct.unpack_from("<H", data, entry + 28)
        if data[entry + 46 : entry + 46 + name_length] == name:
            struct.pack_into("<I", data, entry + 24, declared)
            return bytes(data)
        entry = data.find(b"PK\x01\x02", entry + 4)
    raise AssertionError("no directory entry for the sheet")


def csv_with_field(chars: int) -> str:
    """A dataset CSV whose evidence field in row 2 is ``chars`` characters long."""
    return ",".join(HEADER) + "\n" + ",".join(str(v) for v in ROW[:-1]) + "," + "e" * chars + "\n"
