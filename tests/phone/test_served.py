"""How the phone app's files and strings are served (phoneapp/views.py), and what the build may contain."""

import gzip
import json
import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from core.models import HelpResult, Outcome, Role
from phoneapp.catalogue import STRINGS
from phoneapp.views import CONTENT_SECURITY_POLICY

SOURCES = Path(settings.BASE_DIR) / "phone" / "src"
DIST = Path(settings.PHONE_APP_DIR)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_index_is_served_under_the_products_policy(client):
    response = client.get("/app/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    for directive in (
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
    ):
        assert directive in policy.split("; ")
    html = _body(response).decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('src="/app/' in tag for tag in scripts)  # no inline script
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another origin
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in html


def test_service_worker_covers_the_app_and_is_always_revalidated(client):
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/app/"
    assert response["Cache-Control"] == "no-cache"
    assert b"precache" in _body(response)


def test_hashed_assets_are_cached_for_good_and_sent_compressed(client):
    assets = sorted(path.name for path in (DIST / "assets").glob("*.js"))
    assert assets
    url = f"/app/assets/{assets[0]}"
    plain = client.get(url)
    assert plain["Cache-Control"] == "max-age=315360000, public, immutable"  # WhiteNoise's "for good"
    assert "Content-Encoding" not in plain
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(_body(packed)) == _body(plain)
    again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    ["../manage.py", ".built", "assets/../../package.json", "index.html.gz", "sw.js.gz", "nope.js", "a\\b"],
)
def test_only_built_files_are_served(client, path):
    assert client.get(f"/app/{path}").status_code == 404


def test_missing_build_says_how_to_make_it(client, tmp_path, settings):
    settings.PHONE_APP_DIR = tmp_path
    response = client.get("/app/")
    assert response.status_code == 503
    assert "make setup" in response.content.decode()


def test_manifest_makes_it_installable(client):
    manifest = json.loads(_body(client.get("/app/manifest.webmanifest")))
    assert manifest["name"] == "Tổ công nghệ số cộng đồng"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/app/", "/app/", "standalone")
    sizes = {}
    for icon in manifest["icons"]:
        response = client.get(f"/app/{icon['src']}")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        png = _body(response)
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        sizes[icon["sizes"]] = (width, height)
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}


def test_built_code_runs_under_script_src_self():
    """No eval and no Function constructor anywhere in what the browser runs."""
    bundles = [*(DIST / "assets").glob("*.js"), DIST / "sw.js"]
    assert len(bundles) >= 2
    for bundle in bundles:
        code = bundle.read_text()
        assert not re.search(r"\beval\s*\(", code), bundle
        assert not re.search(r"\bnew\s+Function\s*\(|[^.\w]Function\s*\(", code), bundle
        assert not re.search(r"setTimeout\s*\(\s*[\"'`]", code), bundle


def test_catalogue_in_both_languages(client):
    vi = json.loads(client.get("/app/i18n/vi.json").content)
    en = json.loads(client.get("/app/i18n/en.json").content)
    assert set(vi["strings"]) == set(en["strings"]) == set(STRINGS)
    assert vi["strings"]["visit.save"] == "Lưu lượt thăm"
    assert en["strings"]["visit.save"] == "Save visit"
    assert client.get("/app/i18n/fr.json").status_code == 404
    with translation.override("en"):
        untranslated = [key for key, text in STRINGS.items() if str(text) == text._args[0]]
    assert untranslated == []


def test_every_string_the_app_uses_is_in_the_catalogue():
    code = "\n".join(path.read_text() for path in SOURCES.glob("*.js*"))
    used = set(re.findall(r"\bt\('([a-z_]+\.[a-z_]+)'", code))
    used |= set(re.findall(r"'((?:nav|signin)\.[a-z_]+)'", code))  # keys chosen before t() is called
    used |= {f"outcome.{o}" for o in Outcome.values} | {f"result.{r}" for r in HelpResult.values}
    used |= {f"role.{r}" for r in Role.values}
    used |= {
        f"field.{f}"
        for f in ("village", "label", "head_name", "phone", "members", "working_age", "consent", "lat", "lon")
    }
    # The fields a server message may name, and why an item can never be placed (syncscreen.jsx).
    used |= {
        f"field.{f}"
        for f in ("household", "visited_at", "outcome", "help", "notes", "held_at", "services", "attendees")
    }
    used |= {f"final.{reason}{lead}" for reason in ("erased", "outside", "stored") for lead in ("", "_lead")}
    used |= {f"review.{state}" for state in ("held", "confirmed")}  # a leader's decision (households.jsx)
    assert used - set(STRINGS) == set()
    assert set(STRINGS) - used == set()
