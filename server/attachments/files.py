"""What an uploaded file is, what it may be called, and what its image looks like.

The type is read from the bytes by libmagic, never taken from the name or the declared
Content-Type, and checked against the allow-list below; anything else, unknown data
included, is refused with `FileTypeNotAllowed`. The stored name always ends with an
extension of the stored type, so a file opened after download goes to the program its
bytes belong to (`setup.msi` that libmagic reads as a Word file becomes `setup.msi.doc`).

Allow-list (detected by libmagic -> stored and served type; extensions kept, first appended
when the name has none of them; inline = may be shown in the page):

| detected                                 | stored               | extensions          | inline |
|------------------------------------------|----------------------|---------------------|--------|
| image/png, image/jpeg, image/gif,        | same                 | png / jpg jpeg jpe  | yes*   |
| image/webp                               |                      | jfif / gif / webp   |        |
| image/svg+xml (root element `<svg>`)     | image/svg+xml        | svg                 | no     |
| image/tiff, image/bmp (x-ms-bmp),        | same (bmp)           | tif tiff / bmp /    | no     |
| image/heic, image/heif, image/avif       |                      | heic / heif / avif  |        |
| text/plain, text/x-diff, and text that   | text/plain           | txt log md csv json | no     |
| libmagic guesses is C, Java, Algol 68, … |                      | yaml ini diff …     |        |
| text/csv                                 | text/csv             | csv tsv txt         | no     |
| application/json                         | text/plain           | json jsonl txt log  | no     |
| message/rfc822                           | message/rfc822       | eml                 | no     |
| application/pdf                          | application/pdf      | pdf                 | no     |
| application/zip, gzip (x-gzip), x-tar,   | same (gzip)          | zip / gz tgz / tar  | no     |
| x-bzip2, x-xz                            |                      | / bz2 tbz2 / xz txz |        |
| OOXML, OpenDocument (text, sheet, pres.) | same                 | docx xlsx pptx odt… | no     |
| application/msword, vnd.ms-excel,        | same                 | doc / xls / ppt /   | no     |
| vnd.ms-powerpoint, vnd.ms-outlook        |                      | msg                 |        |
| video/mp4, video/quicktime, video/webm   | same                 | mp4 m4v / mov / webm| no     |
| audio/mpeg, audio/ogg, audio/x-wav,      | same, wav as         | mp3 / ogg oga opus  | no     |
| audio/x-m4a, audio/mp4                   | audio/wav, m4a as    | / wav / m4a         |        |
|                                          | audio/mp4            |                     |        |

*inline only when `examine_image` decodes it in full within `MAX_IMAGE_PIXELS`; otherwise a
download like any other file (a truncated PNG is still the customer's PNG).

Refused, among everything not listed: HTML and XHTML in any encoding, XML (an XHTML page
libmagic calls SVG because it names the SVG namespace included), JavaScript libmagic
recognises, scripts it recognises for an interpreter a desktop may run (shell, Python, Perl,
PHP, Ruby, batch), programs (PE, MZ, ELF, Mach-O, Java class and JAR, APK, WebAssembly),
installers (MSI), shortcuts, registry files, RTF (embedded OLE objects are a classic
exploit), PostScript (a programming language), RAR and 7-Zip (their third-party extractors
have been the exploit; ZIP opens with the system's own tool), OLE files libmagic cannot name
(an MSI can hide as one), empty files and `application/octet-stream`. Text libmagic takes
for C or Java is kept: it needs a compiler before it does anything.

What libmagic 5.44 makes of the awkward cases (tests/attachments/hostile_files.py holds one
of each): plain JavaScript without `require`/`"use strict"`, PowerShell, VBScript and some
Python without a shebang are `text/plain` (kept as text, renamed `x.js.txt`: no desktop runs
a .txt); a log containing `<script>` or `<title>` is `text/html` (refused; zip it), one with
`<svg onload=…>` is `text/plain`; an SVG starting with a comment is `text/plain` (with a
`<script>` in it, `text/html`); a short HTML page before `%PDF` is `application/pdf`, HTML
before a ZIP is `application/zip`, and a ZIP whose first entry is `word/…` is a Word file.
Whatever is accepted is served with nosniff, `Content-Disposition: attachment` unless inline,
and a sandboxing CSP (server/attachments/download.py): text never runs as a page there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import magic
from PIL import ExifTags, Image, ImageOps

from server.errors import FileTypeNotAllowed


@dataclass(frozen=True)
class FileType:
    """One entry of the allow-list."""

    content_type: str  # the type stored and served, e.g. "image/png"
    extensions: tuple[str, ...]  # a name of this type may end with these; the first is canonical
    raster_image: bool  # PNG/JPEG/GIF/WebP: may be served inline and get a thumbnail
    label: str  # human words for messages: "PNG image"


@dataclass(frozen=True)
class ImageInfo:
    """A raster image that decoded in full: its size as displayed (EXIF orientation applied)."""

    width: int
    height: int


# --- the allow-list ------------------------------------------------------------------------

PNG = FileType("image/png", ("png",), True, "PNG image")
JPEG = FileType("image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), True, "JPEG image")
GIF = FileType("image/gif", ("gif",), True, "GIF image")
WEBP = FileType("image/webp", ("webp",), True, "WebP image")
SVG = FileType("image/svg+xml", ("svg",), False, "SVG image")
TIFF = FileType("image/tiff", ("tif", "tiff"), False, "TIFF image")
BMP = FileType("image/bmp", ("bmp",), False, "BMP image")
HEIC = FileType("image/heic", ("heic", "heif"), False, "HEIC image")
HEIF = FileType("image/heif", ("heif", "heic"), False, "HEIF image")
AVIF = FileType("image/avif", ("avif",), False, "AVIF image")

# Extensions a desktop opens in a viewer or editor, never in a browser or an interpreter:
# no html, xml, svg, js, py, sh, bat, ps1, reg, …
TEXT = FileType(
    "text/plain",
    (
        "txt", "log", "text", "md", "csv", "tsv", "json", "jsonl", "ndjson", "yaml", "yml",
        "toml", "ini", "cfg", "conf", "diff", "patch",
    ),
    False,
    "text file",
)  # fmt: skip
CSV = FileType("text/csv", ("csv", "tsv", "txt"), False, "CSV file")
# Served as text/plain: nothing a browser could treat as anything but text.
JSON = FileType("text/plain", ("json", "jsonl", "ndjson", "txt", "log"), False, "JSON file")
EMAIL = FileType("message/rfc822", ("eml",), False, "email message")

PDF = FileType("application/pdf", ("pdf",), False, "PDF document")
ZIP = FileType("application/zip", ("zip",), False, "ZIP archive")
GZIP = FileType("application/gzip", ("gz", "tgz"), False, "gzip archive")
TAR = FileType("application/x-tar", ("tar",), False, "tar archive")
BZIP2 = FileType("application/x-bzip2", ("bz2", "tbz2"), False, "bzip2 archive")
XZ = FileType("application/x-xz", ("xz", "txz"), False, "xz archive")

_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
DOCX = FileType(_OOXML + "wordprocessingml.document", ("docx",), False, "Word document")
XLSX = FileType(_OOXML + "spreadsheetml.sheet", ("xlsx",), False, "Excel workbook")
PPTX = FileType(_OOXML + "presentationml.presentation", ("pptx",), False, "PowerPoint file")
ODT = FileType(_ODF + "text", ("odt",), False, "OpenDocument text")
ODS = FileType(_ODF + "spreadsheet", ("ods",), False, "OpenDocument spreadsheet")
ODP = FileType(_ODF + "presentation", ("odp",), False, "OpenDocument presentation")
# Legacy Office may carry macros: Office blocks macros in files from the internet (the
# browser marks downloads), as it does for any email attachment.
DOC = FileType("application/msword", ("doc",), False, "Word document")
XLS = FileType("application/vnd.ms-excel", ("xls",), False, "Excel workbook")
PPT = FileType("application/vnd.ms-powerpoint", ("ppt",), False, "PowerPoint file")
MSG = FileType("application/vnd.ms-outlook", ("msg",), False, "Outlook message")

MP4 = FileType("video/mp4", ("mp4", "m4v"), False, "MP4 video")
MOV = FileType("video/quicktime", ("mov",), False, "QuickTime video")
WEBM = FileType("video/webm", ("webm",), False, "WebM video")
MP3 = FileType("audio/mpeg", ("mp3",), False, "MP3 audio")
OGG = FileType("audio/ogg", ("ogg", "oga", "opus"), False, "Ogg audio")
WAV = FileType("audio/wav", ("wav",), False, "WAV audio")
M4A = FileType("audio/mp4", ("m4a",), False, "M4A audio")

# Keys are lower case: libmagic writes a few with capitals (text/x-Algol68).
ALLOWED: dict[str, FileType] = {
    "image/png": PNG,
    "image/jpeg": JPEG,
    "image/gif": GIF,
    "image/webp": WEBP,
    "image/svg+xml": SVG,
    "image/tiff": TIFF,
    "image/bmp": BMP,
    "image/x-ms-bmp": BMP,
    "image/heic": HEIC,
    "image/heif": HEIF,
    "image/avif": AVIF,
    "text/plain": TEXT,
    "text/csv": CSV,
    "application/json": JSON,
    "text/x-diff": TEXT,
    # libmagic's guesses at program text that no desktop runs as it is: often a log or prose
    # it mistook (“Algol 68”), at worst source that needs a compiler. Kept as plain text.
    "text/x-algol68": TEXT,
    "text/x-asm": TEXT,
    "text/x-bcpl": TEXT,
    "text/x-c": TEXT,
    "text/x-c++": TEXT,
    "text/x-objective-c": TEXT,
    "text/x-java": TEXT,
    "text/x-pascal": TEXT,
    "text/x-fortran": TEXT,
    "text/x-makefile": TEXT,
    "text/x-tex": TEXT,
    "text/troff": TEXT,
    "text/x-po": TEXT,
    "message/rfc822": EMAIL,
    "application/pdf": PDF,
    "application/zip": ZIP,
    "application/gzip": GZIP,
    "application/x-gzip": GZIP,
    "application/x-tar": TAR,
    "application/x-bzip2": BZIP2,
    "application/x-xz": XZ,
    DOCX.content_type: DOCX,
    XLSX.content_type: XLSX,
    PPTX.content_type: PPTX,
    ODT.content_type: ODT,
    ODS.content_type: ODS,
    ODP.content_type: ODP,
    "application/msword": DOC,
    "application/vnd.ms-excel": XLS,
    "application/vnd.ms-powerpoint": PPT,
    "application/vnd.ms-outlook": MSG,
    "video/mp4": MP4,
    "video/quicktime": MOV,
    "video/webm": WEBM,
    "audio/mpeg": MP3,
    "audio/ogg": OGG,
    "audio/x-wav": WAV,
    "audio/wav": WAV,
    "audio/x-m4a": M4A,
    "audio/mp4": M4A,
}

# Words for the refusal message; a type without words is named by its MIME type alone.
_REFUSED_LABELS: dict[str, str] = {
    "text/html": "an HTML page",
    "application/xhtml+xml": "an XHTML page",
    "text/xml": "an XML document",
    "application/xml": "an XML document",
    "application/javascript": "a JavaScript program",
    "text/javascript": "a JavaScript program",
    "text/x-shellscript": "a shell script",
    "text/x-script.python": "a Python script",
    "text/x-perl": "a Perl script",
    "text/x-php": "a PHP script",
    "text/x-ruby": "a Ruby script",
    "text/x-msdos-batch": "a Windows batch script",
    "text/x-ms-regedit": "a Windows registry file",
    "application/vnd.microsoft.portable-executable": "a Windows program",
    "application/x-dosexec": "a Windows program",
    "application/x-executable": "a program",
    "application/x-pie-executable": "a program",
    "application/x-sharedlib": "a program library",
    "application/x-mach-binary": "a macOS program",
    "application/x-msi": "a Windows installer",
    "application/vnd.ms-msi": "a Windows installer",
    "application/x-ms-shortcut": "a Windows shortcut",
    "application/java-archive": "a Java program",
    "application/x-java-applet": "a Java program",
    "application/vnd.android.package-archive": "an Android app",
    "application/wasm": "a WebAssembly program",
    "text/rtf": "an RTF document",
    "application/postscript": "a PostScript file",
    "application/x-rar": "a RAR archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/x-ole-storage": "an unrecognised Microsoft compound file",
    "application/cdfv2": "an unrecognised Microsoft compound file",
    "application/x-empty": "an empty file",
    "inode/x-empty": "an empty file",
    "application/octet-stream": "data of an unknown type",
}


# --- the type --------------------------------------------------------------------------------

# What precedes the root element of an XML document: a BOM, whitespace, the XML declaration
# and other processing instructions, comments, a doctype (with an internal subset). Written
# so that no two branches match the same text: no catastrophic backtracking on hostile input.
_XML_PROLOG = re.compile(
    r"\A\ufeff?(?:\s|<\?[^>]*>|<!--(?:[^-]|-(?!->))*-->|<!DOCTYPE[^\[>]*(?:\[[^\]]*\])?[^>]*>)*",
    re.IGNORECASE,
)
_SVG_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")
_SVG_HEAD_BYTES = 64 * 1024


def sniff(path: Path) -> str:
    """The MIME type libmagic reads from the file's bytes (python-magic, mime=True).

    One correction: libmagic calls a document SVG when it names the SVG namespace anywhere
    near the top, so an XHTML page with inline SVG would pass as an image; a document whose
    root element is not `<svg>` is reported as the XML it is.
    """
    detected = str(magic.from_file(str(path), mime=True))
    if detected == "image/svg+xml" and not _root_is_svg(path):
        return "text/xml"
    return detected


def _root_is_svg(path: Path) -> bool:
    with path.open("rb") as file:
        head = file.read(_SVG_HEAD_BYTES).decode("utf-8", errors="replace")
    prolog = _XML_PROLOG.match(head)
    start = prolog.end() if prolog else 0
    return _SVG_ROOT.match(head, start) is not None


def allowed_type(detected: str, name: str) -> FileType:
    """The allow-list entry for a detected type, or FileTypeNotAllowed naming the file."""
    file_type = ALLOWED.get(detected.lower())
    if file_type is not None:
        return file_type
    shown = _truncate(_clean(name), chars=MAX_NAME_CHARS, nbytes=MAX_NAME_BYTES) or "file"
    label = _REFUSED_LABELS.get(detected.lower())
    what = f"{label} ({detected})" if label else f"a file of type {detected}"
    raise FileTypeNotAllowed(
        f'"{shown}" looks like {what}, which cannot be attached.',
        details={"file": shown, "detectedType": detected},
    )


# --- the name --------------------------------------------------------------------------------
# Our own rules rather than a library's (pathvalidate): they are a dozen stable lines, they
# must compose with the extension rule so that safe_name is idempotent, and pathvalidate
# neither drops bidi/format characters nor limits code points and bytes together.

# Code points: the column holds 200 and lists stay readable. Bytes: 255 is the file name
# limit of ext4 and APFS (and within NTFS's 255 UTF-16 units), so a download saves whole.
MAX_NAME_CHARS = 150
MAX_NAME_BYTES = 255
# Forbidden in Windows names; `:` would also name an NTFS alternate data stream.
_WINDOWS_FORBIDDEN = str.maketrans({c: "_" for c in '<>:"|?*'})
# Devices on Windows, whatever extension follows (CON.png, nul.tar.gz).
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³"]
)
_PATH_SEPARATORS = re.compile(r"[/\\]")
_SPACES = re.compile(" {2,}")


def safe_name(raw: str, file_type: FileType) -> str:
    """`raw` made safe to store, show, put in a header and save on any desktop, ending with
    an extension of `file_type` (the canonical one appended when it has none of them)."""
    name = _clean(raw)
    stem, dot, extension = name.rpartition(".")
    if not dot or not _is_extension_of(extension, file_type):
        stem, extension = name, file_type.extensions[0]
    stem = stem.rstrip(". ")
    if stem.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        stem = "_" + stem
    stem = _truncate(
        stem,
        chars=MAX_NAME_CHARS - 1 - len(extension),
        nbytes=MAX_NAME_BYTES - 1 - len(extension.encode()),
    )
    return f"{stem or 'file'}.{extension}"


def _clean(raw: str) -> str:
    """The last path part, without invisible or control characters, whitespace collapsed,
    Windows-forbidden characters replaced, no leading dots: everything but the extension."""
    name = _PATH_SEPARATORS.split(unicodedata.normalize("NFC", raw))[-1]
    # Whitespace first, so a CR/LF/TAB (controls too) separates words instead of joining them.
    name = "".join(" " if c.isspace() else c for c in name if c.isspace() or _visible(c))
    name = name.translate(_WINDOWS_FORBIDDEN)
    # Dropping a character can bring a letter and its combining mark together.
    name = unicodedata.normalize("NFC", name)
    return _SPACES.sub(" ", name).strip(" ").lstrip(". ")


def _visible(char: str) -> bool:
    # Cc: C0, DEL, C1 (NUL, CR, LF, ESC…). Cf: bidi marks, embeddings, overrides and isolates,
    # zero-width characters, BOM, soft hyphen. Cs: lone surrogates that UTF-8 cannot encode.
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs")


def _is_extension_of(extension: str, file_type: FileType) -> bool:
    # ASCII only: a few non-ASCII letters lower-case to ASCII ones (the Kelvin sign to "k").
    return extension.isascii() and extension.lower() in file_type.extensions


def _truncate(text: str, *, chars: int, nbytes: int) -> str:
    text = text[:chars]
    while len(text.encode()) > nbytes:
        text = text[:-1]
    return unicodedata.normalize("NFC", text.rstrip(". "))


# --- images ----------------------------------------------------------------------------------

# Larger images are not decoded: 50 MP covers the largest photos phones commonly make (48 and
# 50 MP sensors); past it decoding costs hundreds of megabytes for a preview. Such a file is
# still accepted, as a download. Pillow's own limit refuses 179 MP+ even before we look.
MAX_IMAGE_PIXELS = 50_000_000
# Only these decoders ever see an upload; Pillow would otherwise try every format it knows.
# (A phone's multi-picture JPEG opens through "JPEG" too: Pillow has no separate MPO opener.)
_RASTER_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
_TRANSPOSED_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height
_JPEG_QUALITY = 85


def examine_image(path: Path) -> ImageInfo | None:
    """The displayed size of a raster image Pillow decodes in full (verify, then load) within
    MAX_IMAGE_PIXELS; None for anything else: truncated, corrupt, too large, not raster."""
    try:
        with Image.open(path, formats=_RASTER_FORMATS) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return None
            image.verify()
        # verify() leaves the image unusable: decoding needs a fresh open.
        with Image.open(path, formats=_RASTER_FORMATS) as image:
            image.load()
            width, height = image.size
            if image.getexif().get(ExifTags.Base.Orientation) in _TRANSPOSED_ORIENTATIONS:
                width, height = height, width
            return ImageInfo(width=width, height=height)
    # A decoder fed hostile bytes fails in many ways (OSError, SyntaxError, ValueError,
    # struct.error, DecompressionBombError, …): each one means "not an image we show".
    except Exception:
        return None


def make_thumbnail(source: Path, target: Path, *, max_side: int = 320) -> bool:
    """Write to `target` a re-encoded preview of `source`, EXIF orientation applied, at most
    `max_side` pixels a side and without any metadata; False (nothing written) if it cannot.

    PNG when the image has transparency or comes from a lossless format (PNG, GIF: mostly
    screenshots and graphics, whose text JPEG would smear); JPEG for JPEG and WebP photos.
    The thumbnail's type is `sniff(target)`. Only the first frame of an animation is used.
    """
    try:
        with Image.open(source, formats=_RASTER_FORMATS) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return False
            lossless = image.format in ("PNG", "GIF")
            # JPEG decodes at 1/2..1/8 scale for a small target: a fraction of the memory.
            # The box is square, so shrinking before orienting gives the same result.
            image.draft(None, (max_side * 2, max_side * 2))
            oriented = ImageOps.exif_transpose(image)
        transparent = _has_transparency(oriented)
        mode = "RGBA" if transparent else "RGB"
        preview = _eight_bit(oriented).convert(mode)
        preview.thumbnail((max_side, max_side))
        # A new image from the pixels alone: no EXIF (GPS, camera serial), no ICC profile,
        # no text chunks or comments can ride along, whatever the encoder copies by default.
        clean = Image.frombytes(mode, preview.size, preview.tobytes())
        if transparent or lossless:
            clean.save(target, "PNG")
        else:
            clean.save(target, "JPEG", quality=_JPEG_QUALITY)
        return True
    except Exception:  # as in examine_image: any failure means no thumbnail
        target.unlink(missing_ok=True)
        return False


def _eight_bit(image: Image.Image) -> Image.Image:
    # 16-bit greyscale PNGs open as I;16, and converting those to RGB clips: all white.
    if image.mode.startswith("I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
