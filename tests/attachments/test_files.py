"""server/attachments/files.py: the type from the bytes, the allow-list, safe names, images.

The hostile corpus (hostile_files.py) runs through the same calls the upload service makes;
safe_name's promises are checked with Hypothesis; thumbnails are decoded again to prove
that nothing but pixels survived.
"""

from __future__ import annotations

import io
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from server.attachments import files
from server.errors import ErrorCode, FileTypeNotAllowed
from tests.attachments.hostile_files import (
    REFUSED,
    HostileFile,
    corpus,
    gps_exif,
    png_bomb,
    two_colour,
)

CORPUS = corpus()
BY_NAME = {entry.name: entry for entry in CORPUS}
ALL_TYPES = sorted(set(files.ALLOWED.values()), key=lambda t: (t.content_type, t.extensions))
FORBIDDEN_CHARS = set('/\\<>:"|?*')
RESERVED_STEMS = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³"
}
# Types a browser would run or render as a document of Parley's origin.
EXECUTABLE_TYPES = {
    "text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/javascript",
    "application/javascript", "application/ecmascript", "text/xsl", "application/xslt+xml",
    "text/x-shellscript", "application/x-msdownload", "application/octet-stream",
}  # fmt: skip
# Extensions a desktop runs or opens in a browser. SVG is the one accepted exception: the
# brief keeps SVG, as a download (it would open in a browser from the Downloads folder).
EXECUTABLE_EXTENSIONS = {
    "html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "xml", "xsl", "xslt", "js", "mjs",
    "hta", "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "ps1", "vbs", "vbe", "jse",
    "wsf", "wsh", "lnk", "url", "reg", "jar", "sh", "bash", "py", "pyw", "pl", "php", "rb",
    "app", "dmg", "pkg", "deb", "rpm", "apk", "docm", "xlsm", "pptm", "dotm", "desktop",
    "scf", "inf", "cpl", "dll", "so", "dylib", "class", "swf", "rtf", "ps", "eps", "svgz",
}  # fmt: skip


def _write(tmp_path: Path, entry: HostileFile) -> Path:
    # Our own file name on disk: the hostile one is data, never a path.
    path = tmp_path / "upload"
    path.write_bytes(entry.data)
    return path


def _id(entry: HostileFile) -> str:
    return entry.name.encode("unicode_escape").decode()[:40]


# --- the corpus ------------------------------------------------------------------------------


def test_the_corpus_is_large_deterministic_and_named_uniquely() -> None:
    assert len(CORPUS) >= 60
    assert corpus.__wrapped__() == CORPUS  # built afresh: the same bytes
    assert len(BY_NAME) == len(CORPUS)
    assert {entry.expect for entry in CORPUS} >= {REFUSED, "image/png", "image/svg+xml"}


@pytest.mark.parametrize("entry", CORPUS, ids=_id)
def test_every_corpus_file_gets_its_expected_outcome(tmp_path: Path, entry: HostileFile) -> None:
    path = _write(tmp_path, entry)
    detected = files.sniff(path)
    if entry.expect == REFUSED:
        with pytest.raises(FileTypeNotAllowed) as refused:
            files.allowed_type(detected, entry.name)
        error = refused.value
        assert error.status == 415 and error.code == ErrorCode.FILE_TYPE_NOT_ALLOWED
        assert error.details == {"file": error.details["file"], "detectedType": detected}
        assert error.message.startswith(f'"{error.details["file"]}" looks like ')
        assert error.message.endswith(", which cannot be attached.")
        assert_clean(error.message)
        return
    file_type = files.allowed_type(detected, entry.name)
    assert file_type.content_type == entry.expect, f"libmagic said {detected}: {entry.why}"
    shown_inline = file_type.raster_image and files.examine_image(path) is not None
    assert shown_inline == entry.inline, entry.why
    assert_safe_name(files.safe_name(entry.name, file_type), file_type)


# --- the allow-list --------------------------------------------------------------------------


def test_nothing_allowed_is_served_as_a_type_a_browser_runs() -> None:
    for detected, file_type in files.ALLOWED.items():
        assert file_type.content_type not in EXECUTABLE_TYPES, detected
        assert detected not in EXECUTABLE_TYPES
        assert not file_type.content_type.startswith("text/") or file_type.content_type in {
            "text/plain",
            "text/csv",
        }


def test_no_allowed_extension_is_one_a_desktop_runs() -> None:
    for file_type in ALL_TYPES:
        for extension in file_type.extensions:
            assert extension == extension.lower() and extension.isascii() and extension
            assert extension not in EXECUTABLE_EXTENSIONS, file_type
            if extension == "svg":
                assert file_type == files.SVG


def test_only_png_jpeg_gif_and_webp_are_raster() -> None:
    raster = {t.content_type for t in ALL_TYPES if t.raster_image}
    assert raster == {"image/png", "image/jpeg", "image/gif", "image/webp"}


def test_the_refusal_names_the_file_and_what_it_looks_like() -> None:
    with pytest.raises(FileTypeNotAllowed) as refused:
        files.allowed_type("text/html", "evil.png")
    assert refused.value.message == (
        '"evil.png" looks like an HTML page (text/html), which cannot be attached.'
    )
    assert refused.value.to_dict()["error"] == {
        "code": "file_type_not_allowed",
        "message": refused.value.message,
        "file": "evil.png",
        "detectedType": "text/html",
    }


def test_a_type_without_words_is_named_by_its_mime_type() -> None:
    with pytest.raises(FileTypeNotAllowed) as refused:
        files.allowed_type("image/x-tga", "noise.tga")
    assert refused.value.message == (
        '"noise.tga" looks like a file of type image/x-tga, which cannot be attached.'
    )


def test_the_refusal_shows_a_cleaned_name() -> None:
    with pytest.raises(FileTypeNotAllowed) as refused:
        files.allowed_type("application/x-dosexec", "../x/invoice\u202egpj.exe\r\nX: 1")
    assert refused.value.details["file"] == "invoicegpj.exe X_ 1"
    with pytest.raises(FileTypeNotAllowed) as refused:
        files.allowed_type("application/x-dosexec", "\u202e/..")
    assert refused.value.details["file"] == "file"


def test_detected_types_are_matched_without_regard_to_case() -> None:
    assert files.allowed_type("text/x-Algol68", "notes.txt") == files.TEXT
    assert files.allowed_type("Image/PNG", "a.png") == files.PNG


def test_the_svg_root_check_is_linear_on_hostile_prologs(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    hostile = [
        b"<!DOCTYPE svg [" + b"]" * 60_000,
        b"<!--" + b"-" * 60_000,
        b"<?" + b"?" * 60_000,
        b" " * 60_000 + b"<!DOCTYPE",
    ]
    for data in hostile:
        path.write_bytes(data)
        started = time.monotonic()
        assert not files._root_is_svg(path)
        assert time.monotonic() - started < 1


# --- safe names ------------------------------------------------------------------------------


def assert_clean(text: str) -> None:
    for char in text:
        assert unicodedata.category(char) not in ("Cc", "Cf", "Cs"), repr(char)


def assert_safe_name(name: str, file_type: files.FileType) -> None:
    assert_clean(name)
    assert not FORBIDDEN_CHARS & set(name), name
    assert all(c == " " or not c.isspace() for c in name), name
    assert "  " not in name and name == name.strip(" ")
    assert not name.startswith("."), name
    stem, dot, extension = name.rpartition(".")
    assert dot and stem and extension.lower() in file_type.extensions, name
    assert stem.split(".", 1)[0].rstrip(" ").upper() not in RESERVED_STEMS, name
    assert len(name) <= files.MAX_NAME_CHARS
    assert len(name.encode()) <= files.MAX_NAME_BYTES
    assert unicodedata.is_normalized("NFC", name)


HOSTILE_PIECES = [
    "/", "\\", "..", ".", " ", "  ", "\x00", "\r\n", "\t", "\x0b", "\x1f", "\x7f", "\x85",
    "\x9b", "\u202e", "\u202a", "\u200e", "\u200f", "\u2066", "\u2069", "\u200b", "\u200d",
    "\ufeff", "\u00ad", "\u061c", "\u2028", "\u3000", "\ud800", "CON", "nul", "Com1", "LPT¹",
    "CONIN$", ".png", ".PNG", ".exe", ".txt", ".tar.gz", ".jpeg", "e\u0301", "\u0301", "Å",
    "\u212b", "\u212a", "\U0001f4f8", "\U0001f468\u200d\U0001f469", '"', ":", "*", "?", "<",
    ">", "|", "a" * 60, "\u00e9" * 40, "\U0001f600" * 30,
]  # fmt: skip
names = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=4)), max_size=40).map(
        "".join
    ),
)


@settings(max_examples=600, deadline=None, derandomize=True, database=None)
@given(raw=names, file_type=st.sampled_from(ALL_TYPES))
def test_safe_name_keeps_its_promises(raw: str, file_type: files.FileType) -> None:
    name = files.safe_name(raw, file_type)
    assert_safe_name(name, file_type)
    assert files.safe_name(name, file_type) == name


@pytest.mark.parametrize(
    ("raw", "file_type", "expected"),
    [
        ("invoice\u202egpj.exe", files.PNG, "invoicegpj.exe.png"),
        ("invoice\u202egpj.exe", files.TEXT, "invoicegpj.exe.txt"),
        ("a\x00b.png", files.PNG, "ab.png"),
        ("../../etc/passwd", files.TEXT, "passwd.txt"),
        ("C:\\Windows\\x.png", files.PNG, "x.png"),
        ("C:evil.png", files.PNG, "C_evil.png"),
        ("report.txt:hidden.exe", files.TEXT, "report.txt_hidden.exe.txt"),
        ("....", files.TEXT, "file.txt"),
        (".", files.PNG, "file.png"),
        ("", files.PDF, "file.pdf"),
        ("dir/", files.PDF, "file.pdf"),
        ("\u202e\u200b", files.ZIP, "file.zip"),
        (".htaccess", files.TEXT, "htaccess.txt"),
        (" . .hidden.png", files.PNG, "hidden.png"),
        ("CON.png", files.PNG, "_CON.png"),
        ("con", files.PNG, "_con.png"),
        ("nul.tar.gz", files.GZIP, "_nul.tar.gz"),
        ("COM1.pdf", files.PDF, "_COM1.pdf"),
        ("LPT\u00b9.txt", files.TEXT, "_LPT\u00b9.txt"),
        ("CON .png", files.PNG, "_CON.png"),
        ("console.png", files.PNG, "console.png"),
        ('a"\r\nX-Evil: 1.png', files.PNG, "a_ X-Evil_ 1.png"),
        ("a\tb\nc.png", files.PNG, "a b c.png"),
        ("  spaced   out  .png", files.PNG, "spaced out.png"),
        ("report.pdf.exe", files.TEXT, "report.pdf.exe.txt"),
        ("photo.html", files.PNG, "photo.html.png"),
        ("photo.svg", files.PNG, "photo.svg.png"),
        ("PHOTO.JPG", files.JPEG, "PHOTO.JPG"),
        ("scan.jpeg", files.JPEG, "scan.jpeg"),
        ("report.", files.PDF, "report.pdf"),
        ("logs.tar.gz", files.GZIP, "logs.tar.gz"),
        ("export.json", files.JSON, "export.json"),
        ("a.p\u200bng", files.PNG, "a.png"),
        ("a.\uff50\uff4e\uff47", files.PNG, "a.\uff50\uff4e\uff47.png"),
        ("Cafe\u0301.png", files.PNG, "Caf\u00e9.png"),
        ("e\u200b\u0301.png", files.PNG, "\u00e9.png"),
        ("\U0001f4f8 Screenshot.png", files.PNG, "\U0001f4f8 Screenshot.png"),
        ("\U0001f468\u200d\U0001f469.png", files.PNG, "\U0001f468\U0001f469.png"),
        ("\ufeffbom.txt", files.TEXT, "bom.txt"),
        ("what?*<>|.png", files.PNG, "what_____.png"),
    ],
)
def test_safe_name_examples(raw: str, file_type: files.FileType, expected: str) -> None:
    assert files.safe_name(raw, file_type) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = files.safe_name("a" * 300 + ".png", files.PNG)
    assert name == "a" * 146 + ".png" and len(name) == files.MAX_NAME_CHARS
    cut = files.safe_name("b" * 300 + ".exe", files.PDF)
    assert cut == "b" * 146 + ".pdf"
    # Four-byte characters: the 255-byte limit bites before the 150-character one.
    emoji = files.safe_name("\U0001f4f8" * 200 + ".png", files.PNG)
    assert emoji == "\U0001f4f8" * 62 + ".png" and len(emoji.encode()) <= 255
    # A cut never leaves a dot or a space before the extension.
    assert files.safe_name("a" * 145 + " . b.png", files.PNG) == "a" * 145 + ".png"


# --- images ----------------------------------------------------------------------------------


def _corpus_file(tmp_path: Path, name: str) -> Path:
    return _write(tmp_path, BY_NAME[name])


def _jpeg(tmp_path: Path, size: tuple[int, int], **params: object) -> Path:
    path = tmp_path / "photo"
    two_colour(size).save(path, "JPEG", **params)
    return path


def test_examine_image_reports_the_displayed_size(tmp_path: Path) -> None:
    assert files.examine_image(_corpus_file(tmp_path, "screenshot.png")) == files.ImageInfo(40, 20)
    # 80 x 40 stored, orientation 6: shown 40 wide, 80 high.
    assert files.examine_image(_corpus_file(tmp_path, "gps.jpg")) == files.ImageInfo(40, 80)


@pytest.mark.parametrize(
    "name", ["truncated.png", "polyglot.gif", "jfif-html.jpg", "script.svg", "scan.tif", "app.log"]
)
def test_examine_image_refuses_what_is_not_a_whole_raster_image(tmp_path: Path, name: str) -> None:
    # TIFF decodes in Pillow, but only PNG/JPEG/GIF/WebP decoders ever see an upload.
    assert files.examine_image(_corpus_file(tmp_path, name)) is None


def test_a_decompression_bomb_is_neither_decoded_nor_thumbnailed(tmp_path: Path) -> None:
    source = _corpus_file(tmp_path, "bomb.png")
    assert source.stat().st_size < 200_000
    started = time.monotonic()
    assert files.examine_image(source) is None
    assert not files.make_thumbnail(source, tmp_path / "thumb")
    assert time.monotonic() - started < 1
    assert not (tmp_path / "thumb").exists()


def test_an_image_just_over_the_pixel_limit_is_not_decoded(tmp_path: Path) -> None:
    # Below Pillow's own limit (89 MP warns, 179 MP refuses): ours must hold on its own.
    side = int(files.MAX_IMAGE_PIXELS**0.5) + 10
    source = tmp_path / "big"
    source.write_bytes(png_bomb(side))
    assert files.examine_image(source) is None
    assert not files.make_thumbnail(source, tmp_path / "thumb")


def test_a_truncated_image_gets_no_thumbnail_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "thumb"
    assert not files.make_thumbnail(_corpus_file(tmp_path, "truncated.png"), target)
    assert not target.exists()


def test_the_thumbnail_of_a_photo_carries_no_exif_and_is_turned_upright(tmp_path: Path) -> None:
    source = _corpus_file(tmp_path, "gps.jpg")
    with Image.open(source) as original:  # the source really carries what must go
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    target = tmp_path / "thumb"
    assert files.make_thumbnail(source, target)
    assert files.sniff(target) == "image/jpeg"
    data = target.read_bytes()
    for leak in (b"Exif", b"LeakCam", b"Jane Customer", b"GPS"):
        assert leak not in data
    with Image.open(target) as thumb:
        assert not thumb.getexif() and "exif" not in thumb.info
        # Stored 80 x 40, red left; orientation 6 turns it a quarter clockwise: red on top.
        assert thumb.size == (40, 80)
        assert _is_red(thumb.getpixel((20, 5))) and _is_blue(thumb.getpixel((20, 75)))


def test_thumbnails_fit_within_max_side(tmp_path: Path) -> None:
    source = _jpeg(tmp_path, (1000, 600), exif=gps_exif(orientation=1))
    target = tmp_path / "thumb"
    assert files.make_thumbnail(source, target)
    with Image.open(target) as thumb:
        assert thumb.size == (320, 192)
    assert files.make_thumbnail(source, target, max_side=64)
    with Image.open(target) as thumb:
        assert max(thumb.size) == 64


def test_a_small_image_is_not_enlarged(tmp_path: Path) -> None:
    target = tmp_path / "thumb"
    assert files.make_thumbnail(_corpus_file(tmp_path, "screenshot.png"), target)
    with Image.open(target) as thumb:
        assert thumb.size == (40, 20) and thumb.format == "PNG"


@pytest.mark.parametrize(
    "name", ["text-chunk.png", "after-iend.png", "comment.jpg", "exif-html.jpg"]
)
def test_markup_hidden_in_an_image_does_not_reach_its_thumbnail(tmp_path: Path, name: str) -> None:
    target = tmp_path / "thumb"
    assert files.make_thumbnail(_corpus_file(tmp_path, name), target)
    data = target.read_bytes()
    assert b"<script" not in data and b"alert" not in data
    with Image.open(target) as thumb:
        assert set(thumb.info) <= {"dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density"}


@pytest.mark.parametrize(
    ("name", "fmt", "mode"),
    [
        ("screenshot.png", "PNG", "RGB"),
        ("alpha.png", "PNG", "RGBA"),
        ("animated.gif", "PNG", "RGB"),
        ("trailer.gif", "PNG", "RGB"),
        ("cmyk.jpg", "JPEG", "RGB"),
        ("photo.webp", "JPEG", "RGB"),
    ],
)
def test_thumbnail_formats(tmp_path: Path, name: str, fmt: str, mode: str) -> None:
    target = tmp_path / "thumb"
    assert files.make_thumbnail(_corpus_file(tmp_path, name), target)
    with Image.open(target) as thumb:
        assert (thumb.format, thumb.mode) == (fmt, mode)
        assert getattr(thumb, "n_frames", 1) == 1


@pytest.mark.parametrize("name", ["script.svg", "app.log", "polyglot.gif", "scan.tif"])
def test_no_thumbnail_for_what_is_not_a_raster_image(tmp_path: Path, name: str) -> None:
    target = tmp_path / "thumb"
    assert not files.make_thumbnail(_corpus_file(tmp_path, name), target)
    assert not target.exists()


def test_a_cmyk_thumbnail_keeps_its_colours(tmp_path: Path) -> None:
    target = tmp_path / "thumb"
    assert files.make_thumbnail(_corpus_file(tmp_path, "cmyk.jpg"), target)
    with Image.open(io.BytesIO(target.read_bytes())) as thumb:
        assert _is_red(thumb.getpixel((2, 10))) and _is_blue(thumb.getpixel((37, 10)))


def test_a_16_bit_greyscale_thumbnail_keeps_its_greys(tmp_path: Path) -> None:
    source, target = tmp_path / "grey", tmp_path / "thumb"
    gradient = Image.linear_gradient("L").resize((64, 64)).convert("I")
    gradient.point(lambda value: value * 256).convert("I;16").save(source, "PNG")
    with Image.open(source) as original:
        assert original.mode == "I;16"
    assert files.make_thumbnail(source, target)
    with Image.open(target) as thumb:
        middle = thumb.getpixel((32, 32))
        assert isinstance(middle, tuple) and 100 < middle[0] < 160


def _is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    return pixel[0] > 180 and pixel[1] < 80 and pixel[2] < 80


def _is_blue(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    return pixel[0] < 80 and pixel[1] < 80 and pixel[2] > 180
