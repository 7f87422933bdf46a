"""Checking and re-encoding uploaded photos and logos with Pillow.

An upload is trusted for nothing: not its name, not its content type. It is opened with Pillow,
its size and pixel count are checked from the header before anything is decoded, it is decoded
fully, and what is stored is a new file written by us: turned upright, without EXIF, XMP or
other metadata (phones put the GPS position there), at most ``MAX_SIDE`` pixels on its long side,
with a random name.
"""

import io
import logging
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2000
THUMBNAIL_SIDE = 480
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"
JPEG_QUALITY = 85

SIXTEEN_BIT_GREY_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessedImage:
    """The re-encoded picture and its thumbnail, ready to be saved to storage."""

    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def process_image(upload) -> ProcessedImage:
    """Check an uploaded file and re-encode it, or raise ``ValidationError`` saying why."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s MB). The limit is 10 MB."),
            code="too_large",
            params={"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")},
        )
    upload.seek(0)
    picture = _open_checked(upload)
    try:
        picture = _decoded(picture)
    finally:
        upload.seek(0)
    picture = ImageOps.exif_transpose(picture)
    picture = _web_ready(picture)
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = picture.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    name = secrets.token_hex(16)
    extension = "png" if picture.mode in {"RGBA", "LA"} else "jpg"
    return ProcessedImage(
        image=ContentFile(_encode(picture), name=f"{name}.{extension}"),
        thumbnail=ContentFile(_encode(thumbnail), name=f"{name}-thumb.{extension}"),
        width=picture.width,
        height=picture.height,
    )


def _open_checked(upload) -> Image.Image:
    """Open the file (reading only its header) and check its format and pixel count."""
    not_an_image = ValidationError(
        _("The file is not a JPEG, PNG or WebP picture. Choose a photo in one of those formats."),
        code="not_an_image",
    )
    too_many_pixels = ValidationError(
        _("The picture is too large: at most 40 megapixels. Make it smaller and try again."),
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(upload, formats=sorted(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise not_an_image from None
    if picture.format not in ACCEPTED_FORMATS:
        raise not_an_image
    width, height = picture.size
    if width < 1 or height < 1:
        raise not_an_image
    if width * height > MAX_PIXELS:
        raise too_many_pixels
    return picture


def _decoded(picture: Image.Image) -> Image.Image:
    """Decode every pixel, so a truncated or damaged file is refused, not stored half."""
    try:
        picture.load()
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise ValidationError(
            _("The picture is damaged or incomplete and cannot be read. Try another file."),
            code="damaged",
        ) from None
    return picture


def _web_ready(picture: Image.Image) -> Image.Image:
    """The picture in a mode browsers show faithfully: L, RGB, or with transparency LA/RGBA."""
    if picture.mode in SIXTEEN_BIT_GREY_MODES:
        # Pillow's convert("L") clips 16-bit values above 255 to white; scale them instead.
        return picture.convert("I").point(lambda value: value / 256).convert("L")
    icc_profile = picture.info.get("icc_profile")
    if picture.mode == "CMYK":
        return _cmyk_to_rgb(picture, icc_profile)
    if picture.mode == "P":
        picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
    elif picture.mode == "PA":
        picture = picture.convert("RGBA")
    elif picture.mode not in {"L", "LA", "RGB", "RGBA"}:
        picture = picture.convert("RGB")
    if picture.mode in {"RGBA", "LA"} and picture.getchannel("A").getextrema() == (255, 255):
        picture = picture.convert(picture.mode[:-1])  # fully opaque: store as a JPEG
    return _to_srgb(picture, icc_profile)


def _cmyk_to_rgb(picture: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert print colours to screen colours, through the file's own profile when it has one."""
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            return ImageCms.profileToProfile(
                picture, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: fall back to Pillow's plain conversion
    return picture.convert("RGB")


def _to_srgb(picture: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Colours from another profile (phones often use Display P3) converted to sRGB."""
    if not icc_profile or picture.mode not in {"RGB", "RGBA"}:
        return picture
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(
            picture, source, ImageCms.createProfile("sRGB"), outputMode=picture.mode
        )
    except (ImageCms.PyCMSError, OSError):
        return picture


def _encode(picture: Image.Image) -> bytes:
    """Write a new file from the pixels alone: no EXIF, XMP, comments or other metadata."""
    clean = Image.new(picture.mode, picture.size)
    clean.paste(picture)
    output = io.BytesIO()
    if clean.mode in {"RGBA", "LA"}:
        clean.save(output, "PNG", optimize=True)
    else:
        clean.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return output.getvalue()


def delete_files_on_commit(storage: Storage, names: Iterable[str], *, now: bool = False) -> None:
    """Delete replaced files once the change that replaced them is committed (or ``now``)."""
    names = [name for name in names if name]
    if not names:
        return
    if now:
        _delete_files(storage, names)
    else:
        transaction.on_commit(partial(_delete_files, storage, names))


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # The change is saved; a file left behind is only wasted space, so log it.
            logger.warning("Could not delete the replaced file %s", name, exc_info=True)
