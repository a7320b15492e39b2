"""Hostile and broken files built in memory: workbooks that declare or hold a huge range, and zip
archives broken every way the central directory or a member's stream can be (bad CRC, a size that lies,
encrypted, an unknown compression method, a corrupt deflate stream, truncated, a bomb).

Each ``*_zip`` helper takes a valid archive and breaks one member in place, so the same breakage can be
applied to an XLSX (its sheet) and to a zipped boundary file (its layer)."""

import io
import re
import struct
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MEMBERS = [["Họ và tên", "Số điện thoại", "Xã", "Thôn"], ["Nguyễn Thị Lan", "0905111222", "21025", "Thôn 1"]]
TARGETS = [["Mã xã", "Số hộ", "Số người"], ["51001", 80, 150]]


def rewrite_member(data: bytes, name: str, change) -> bytes:
    """The archive with member ``name`` replaced by ``change(content)`` (every other member as it was)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


def huge_range_xlsx(*, rows=MEMBERS, dimension: str | None = "A1:XFD1048576", far: str | None = "XFD1048576"):
    """A tiny workbook (~5 KB) whose sheet declares ``dimension`` as its used range and/or holds one more
    cell at ``far``: what made a dense reader allocate gigabytes."""

    def change(xml: bytes) -> bytes:
        text = xml.decode()
        if dimension is not None:
            text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', text)
        if far is not None:
            row = re.match(r"[A-Z]+(\d+)", far).group(1)
            cell = f'<row r="{row}"><c r="{far}" t="inlineStr"><is><t>x</t></is></c></row>'
            text = text.replace("</sheetData>", cell + "</sheetData>")
        return text.encode()

    return rewrite_member(workbook(rows), SHEET, change)


def zip_of(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _entries(data: bytes):
    """(central header offset, local header offset, name) of each member."""
    end = data.rfind(b"PK\x05\x06")
    count, _size, offset = struct.unpack("<HII", data[end + 10 : end + 20])
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[offset + 28 : offset + 34])
        local = struct.unpack("<I", data[offset + 42 : offset + 46])[0]
        yield offset, local, data[offset + 46 : offset + 46 + name_len].decode()
        offset += 46 + name_len + extra_len + comment_len


def _patch(
    data: bytes, name: str, *, central: tuple[int, bytes], local: tuple[int, bytes] | None = None
) -> bytes:
    data = bytearray(data)
    for central_at, local_at, member in _entries(bytes(data)):
        if member == name:
            at, value = central
            data[central_at + at : central_at + at + len(value)] = value
            if local is not None:
                at, value = local
                data[local_at + at : local_at + at + len(value)] = value
            return bytes(data)
    raise KeyError(name)


def _stream(data: bytes, name: str) -> tuple[int, int]:
    """Where member ``name``'s compressed bytes start, and how many there are."""
    for central_at, local_at, member in _entries(data):
        if member == name:
            size = struct.unpack("<I", data[central_at + 20 : central_at + 24])[0]
            name_len, extra_len = struct.unpack("<HH", data[local_at + 26 : local_at + 30])
            return local_at + 30 + name_len + extra_len, size
    raise KeyError(name)


def bad_crc_zip(data: bytes, name: str) -> bytes:
    return _patch(data, name, central=(16, b"\x00\x00\x00\x00"), local=(14, b"\x00\x00\x00\x00"))


def lying_size_zip(data: bytes, name: str, size: int = 100) -> bytes:
    """The member declares ``size`` bytes uncompressed and inflates to more: the bomb that passes a check
    of declared sizes."""
    packed = struct.pack("<I", size)
    return _patch(data, name, central=(24, packed), local=(22, packed))


def encrypted_zip(data: bytes, name: str) -> bytes:
    return _patch(data, name, central=(8, b"\x01\x00"), local=(6, b"\x01\x00"))


def unknown_method_zip(data: bytes, name: str, method: int = 99) -> bytes:
    packed = struct.pack("<H", method)
    return _patch(data, name, central=(10, packed), local=(8, packed))


def corrupt_stream_zip(data: bytes, name: str) -> bytes:
    """The member's deflate stream starts with a block of the reserved type: zlib refuses it."""
    start, size = _stream(data, name)
    return data[:start] + b"\xff" * size + data[start + size :]


def truncated_zip(data: bytes) -> bytes:
    return data[: len(data) // 2]


def bomb_zip(
    name: str,
    size: int = 300 * 1024 * 1024,
    *,
    head: bytes = b"",
    tail: bytes = b"",
    base: bytes | None = None,
) -> bytes:
    """A member inflating to ``size`` bytes (written a megabyte at a time: never held whole here), beside
    every other member of ``base`` when given (a real workbook whose sheet is the bomb)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if base is not None:
            source = zipfile.ZipFile(io.BytesIO(base))
            for info in source.infolist():
                if info.filename != name:
                    archive.writestr(info.filename, source.read(info))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            member.write(head)
            chunk = b" " * (1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)
            member.write(tail)
    return out.getvalue()


def lying_bomb_zip(name: str, size: int = 300 * 1024 * 1024, *, base: bytes | None = None) -> bytes:
    """A bomb whose header declares 100 bytes: it passes any check of declared sizes."""
    return lying_size_zip(bomb_zip(name, size, head=b"<a>", tail=b"</a>", base=base), name)


def lying_bomb_xlsx(size: int = 300 * 1024 * 1024) -> bytes:
    return lying_bomb_zip(SHEET, size, base=workbook(MEMBERS))


BROKEN = {
    "bad-crc": (bad_crc_zip, "CRC"),
    "lying-size": (lying_size_zip, "CRC"),
    "encrypted": (encrypted_zip, "mật khẩu"),
    "unknown-compression": (unknown_method_zip, "kiểu nén không hỗ trợ"),
    "corrupt-stream": (corrupt_stream_zip, "dữ liệu nén"),
    "truncated": (lambda data, _name: truncated_zip(data), "cắt cụt"),
}
