"""Photos: only real images are kept, re-encoded without hidden data, and never half saved."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from measures.images import MAX_SIDE, THUMBNAIL_SIDE
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


# --- Files, made the way phones, scanners and attackers make them -------------------------


def encoded(picture: Image.Image, image_format: str, **options) -> bytes:
    output = io.BytesIO()
    picture.save(output, image_format, **options)
    return output.getvalue()


def phone_photo_with_location() -> bytes:
    """A JPEG as a phone writes it: GPS position, camera model, and turned by an EXIF tag."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefon"
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to show upright
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 44.0, 31.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (10.0, 8.0, 2.0)
    picture = Image.new("RGB", (400, 200), (40, 120, 200))
    return encoded(picture, "JPEG", exif=exif)


def png_header_only(width: int, height: int) -> bytes:
    """A valid, tiny PNG of a huge black 1-bit picture: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def sixteen_bit_grey_gradient() -> bytes:
    picture = Image.new("I;16", (256, 64))
    picture.putdata([x * 257 for _y in range(64) for x in range(256)])
    return encoded(picture, "PNG")


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)


# --- Helpers ------------------------------------------------------------------------------


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def upload(client, measure, content: bytes, name: str, **fields):
    data = {
        "image": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        "image_alt": "Barn og voksne spiller innebandy i hallen",
        "image_consent": "on",
        **fields,
    }
    return client.post(reverse("measures:photo", args=[measure.pk]), data)


def stored(field_file) -> Image.Image:
    with field_file.open("rb") as handle:
        picture = Image.open(io.BytesIO(handle.read()))
        picture.load()
        return picture


# --- What is accepted, and how it is stored ------------------------------------------------


class TestAccepted:
    def test_a_phone_photo_is_stored_upright_without_location_or_camera_data(
        self, as_user, partner_user, measure, django_capture_on_commit_callbacks
    ):
        original = phone_photo_with_location()
        assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
        response = upload(as_user(partner_user), measure, original, "IMG_0001.jpg")
        assert response.status_code == 302
        measure.refresh_from_db()
        picture = stored(measure.image)
        assert picture.size == (200, 400)  # turned as the EXIF tag said
        assert not picture.getexif()  # no GPS, no camera, no orientation left
        assert "xmp" not in picture.info
        with measure.image.open("rb") as handle:
            raw = handle.read()
        assert b"Telefon" not in raw and b"Exif" not in raw
        assert measure.image_alt == "Barn og voksne spiller innebandy i hallen"
        assert measure.image_consent is True

    def test_names_are_random_and_a_thumbnail_is_made(self, as_user, partner_user, measure):
        big = encoded(Image.new("RGB", (3000, 1500), (200, 30, 30)), "JPEG")
        upload(as_user(partner_user), measure, big, "Kari og Ola på Konnerud.jpg")
        measure.refresh_from_db()
        assert "Kari" not in measure.image.name
        assert Path(measure.image.name).stem != Path(measure.image_thumbnail.name).stem
        assert stored(measure.image).size == (MAX_SIDE, MAX_SIDE // 2)
        assert max(stored(measure.image_thumbnail).size) == THUMBNAIL_SIDE

    def test_webp_is_accepted(self, as_user, partner_user, measure):
        webp = encoded(Image.new("RGB", (300, 200), (10, 150, 60)), "WEBP")
        assert upload(as_user(partner_user), measure, webp, "bilde.webp").status_code == 302
        measure.refresh_from_db()
        assert stored(measure.image).format == "JPEG"

    def test_a_png_with_transparency_stays_a_png(self, as_user, partner_user, measure):
        logo = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
        logo.paste((255, 200, 0, 255), (20, 20, 100, 60))
        upload(as_user(partner_user), measure, encoded(logo, "PNG"), "logo.png")
        measure.refresh_from_db()
        picture = stored(measure.image)
        assert (picture.format, picture.mode) == ("PNG", "RGBA")
        assert picture.getpixel((5, 5))[3] == 0

    def test_a_cmyk_jpeg_keeps_its_colours(self, as_user, partner_user, measure):
        red_in_print = Image.new("CMYK", (200, 100), (0, 255, 255, 0))
        upload(as_user(partner_user), measure, encoded(red_in_print, "JPEG"), "trykk.jpg")
        measure.refresh_from_db()
        picture = stored(measure.image)
        assert picture.mode == "RGB"
        red, green, blue = picture.getpixel((100, 50))
        assert red > 230 and green < 30 and blue < 30

    def test_a_16_bit_grey_png_keeps_its_greys(self, as_user, partner_user, measure):
        upload(as_user(partner_user), measure, sixteen_bit_grey_gradient(), "skann.png")
        measure.refresh_from_db()
        picture = stored(measure.image)
        assert picture.mode == "L"
        # Clipping would make almost everything white; scaled right, grey x is about x.
        for x in (16, 64, 128, 200):
            assert abs(picture.getpixel((x, 32)) - x) <= 4
        assert picture.getpixel((2, 32)) <= 6

    def test_replacing_deletes_the_old_files_once_saved(
        self, as_user, partner_user, measure, django_capture_on_commit_callbacks
    ):
        client = as_user(partner_user)
        first = encoded(Image.new("RGB", (300, 200), "blue"), "JPEG")
        with django_capture_on_commit_callbacks(execute=True):
            upload(client, measure, first, "en.jpg")
        measure.refresh_from_db()
        old = [Path(measure.image.path), Path(measure.image_thumbnail.path)]
        with django_capture_on_commit_callbacks(execute=True):
            upload(client, measure, encoded(Image.new("RGB", (300, 200), "red"), "JPEG"), "to.jpg")
        measure.refresh_from_db()
        assert not any(path.exists() for path in old)
        assert media_files() == sorted(
            [Path(measure.image.path), Path(measure.image_thumbnail.path)]
        )

    def test_the_old_files_stay_until_the_change_is_committed(
        self, as_user, partner_user, measure, django_capture_on_commit_callbacks
    ):
        client = as_user(partner_user)
        with django_capture_on_commit_callbacks(execute=True):
            upload(client, measure, encoded(Image.new("RGB", (30, 20), "blue"), "JPEG"), "a.jpg")
        measure.refresh_from_db()
        old = Path(measure.image.path)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            upload(client, measure, encoded(Image.new("RGB", (30, 20), "red"), "JPEG"), "b.jpg")
        assert old.exists()  # not yet committed
        for callback in callbacks:
            callback()
        assert not old.exists()

    def test_removing_deletes_the_files_and_clears_the_description(
        self, as_user, partner_user, measure, django_capture_on_commit_callbacks
    ):
        client = as_user(partner_user)
        with django_capture_on_commit_callbacks(execute=True):
            upload(client, measure, encoded(Image.new("RGB", (30, 20), "blue"), "JPEG"), "a.jpg")
            client.post(reverse("measures:photo", args=[measure.pk]), {"remove": "on"})
        measure.refresh_from_db()
        assert (measure.image.name, measure.image_alt, measure.image_consent) == ("", "", False)
        assert media_files() == []

    def test_a_photo_change_is_in_the_history_without_touching_the_version(
        self, as_user, partner_user, measure
    ):
        upload(as_user(partner_user), measure, encoded(Image.new("RGB", (30, 20)), "JPEG"), "a.jpg")
        measure.refresh_from_db()
        assert measure.version == 1  # a text edit open elsewhere is not made stale
        latest = measure.history.latest()
        assert (latest.history_change_reason, latest.history_user) == ("photo", partner_user)

    def test_the_measure_page_and_list_show_it_with_its_description(
        self, as_user, partner_user, measure
    ):
        client = as_user(partner_user)
        upload(client, measure, encoded(Image.new("RGB", (30, 20)), "JPEG"), "a.jpg")
        measure.refresh_from_db()
        page = client.get(measure.get_absolute_url()).text
        assert f'src="{measure.image.url}" alt="{measure.image_alt}"' in page
        listing = client.get(reverse("measures:list")).text
        assert f'src="{measure.image_thumbnail.url}" alt="{measure.image_alt}"' in listing


# --- What is refused, with a message next to the field and nothing left behind ----------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        pytest.param(b"Dette er ikke et bilde.\n", "bilde.jpg", "ikke et JPEG-", id="text-as-jpg"),
        pytest.param(SVG, "logo.svg", "ikke et JPEG-", id="svg"),
        pytest.param(
            encoded(Image.new("RGB", (800, 600), "green"), "GIF"),
            "bilde.gif",
            "ikke et JPEG-",
            id="gif",
        ),
        pytest.param(
            phone_photo_with_location()[:1500],
            "avbrutt.jpg",
            "skadet eller ufullstendig",
            id="truncated-jpeg",
        ),
        pytest.param(
            png_header_only(20_000, 20_000), "bombe.png", "40 megapiksler", id="20000x20000-png"
        ),
        pytest.param(
            png_header_only(8_000, 6_000), "stor.png", "40 megapiksler", id="48-megapixel-png"
        ),
        pytest.param(
            encoded(Image.new("RGB", (40, 40)), "JPEG") + b"\0" * (10 * 1024 * 1024),
            "tung.jpg",
            "10 MB",
            id="over-10-mb",
        ),
    ],
)
def test_refused_files_get_a_clear_message_and_nothing_is_saved(
    as_user, partner_user, measure, content, name, message
):
    history_before = measure.history.count()
    response = upload(as_user(partner_user), measure, content, name)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["image"]
    assert message in errors["image"][0]
    assert 'class="invalid-feedback' in response.text  # shown next to the field
    measure.refresh_from_db()
    assert measure.image.name == ""
    assert measure.history.count() == history_before
    assert media_files() == []


def test_alt_text_and_consent_are_required(as_user, partner_user, measure):
    photo = encoded(Image.new("RGB", (30, 20)), "JPEG")
    response = upload(
        as_user(partner_user), measure, photo, "a.jpg", image_alt="  ", image_consent=""
    )
    errors = response.context["form"].errors
    assert set(errors) == {"image_alt", "image_consent", "image"}
    # The browser does not send the chosen file back: the page says to choose it again.
    assert errors["image"] == [
        "Velg bildet på nytt: det blir ikke tatt vare på når skjemaet har feil."
    ]
    measure.refresh_from_db()
    assert measure.image.name == ""
    assert media_files() == []


class TestWhoMayChangeThePhoto:
    def test_a_partner_not_on_the_measure_is_refused(self, as_user, other_partner_user, measure):
        photo = encoded(Image.new("RGB", (30, 20)), "JPEG")
        response = upload(as_user(other_partner_user), measure, photo, "a.jpg")
        assert response.status_code == 403
        measure.refresh_from_db()
        assert measure.image.name == ""
        assert media_files() == []

    def test_an_evaluator_is_refused(self, as_user, evaluator, measure):
        assert (
            as_user(evaluator).get(reverse("measures:photo", args=[measure.pk])).status_code == 403
        )

    def test_staff_may(self, as_user, staff, measure):
        photo = encoded(Image.new("RGB", (30, 20)), "JPEG")
        assert upload(as_user(staff), measure, photo, "a.jpg").status_code == 302

    def test_anonymous_is_sent_to_log_in(self, client, measure):
        response = client.get(reverse("measures:photo", args=[measure.pk]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_admin_shows_the_thumbnail_and_links_to_the_photo_form(
    as_user, partner_user, staff, measure
):
    upload(as_user(partner_user), measure, encoded(Image.new("RGB", (30, 20)), "JPEG"), "a.jpg")
    measure.refresh_from_db()
    page = as_user(staff).get(reverse("admin:measures_measure_change", args=[measure.pk])).text
    assert measure.image_thumbnail.url in page
    assert reverse("measures:photo", args=[measure.pk]) in page


class TestPartnerLogo:
    def change(self, client, partner, logo: SimpleUploadedFile):
        return client.post(
            reverse("admin:partnerships_partner_change", args=[partner.pk]),
            {
                "name": partner.name,
                "slug": partner.slug,
                "kind": partner.kind,
                "email": "",
                "website": "",
                "logo": logo,
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
                "memberships-MIN_NUM_FORMS": "0",
                "memberships-MAX_NUM_FORMS": "1000",
            },
        )

    def test_a_logo_is_re_encoded_without_its_metadata(self, as_user, staff):
        partner = PartnerFactory(slug="konnerud-il")
        logo = SimpleUploadedFile("logo.jpg", phone_photo_with_location(), "image/jpeg")
        assert self.change(as_user(staff), partner, logo).status_code == 302
        partner.refresh_from_db()
        assert "logo" not in partner.logo.name.removeprefix("logos/")
        assert not stored(partner.logo).getexif()

    def test_a_bomb_is_refused_as_a_logo(self, as_user, staff):
        partner = PartnerFactory(slug="konnerud-il")
        bomb = SimpleUploadedFile("logo.png", png_header_only(20_000, 20_000), "image/png")
        response = self.change(as_user(staff), partner, bomb)
        assert response.status_code == 200
        partner.refresh_from_db()
        assert partner.logo.name == ""
        assert media_files() == []
