"""Static assets as production serves them (issue 17): hashed and compressed by collectstatic,
served by WhiteNoise; a custom ECharts build that draws every chart type the dashboard asks for;
no vendored file that would make collectstatic fail. The bytes a browser receives are measured in
tests/e2e/test_page_weight.py."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
ECHARTS = STATIC / "vendor" / "echarts"


def test_production_serves_hashed_compressed_files_through_whitenoise():
    assert settings.PRODUCTION_STATIC_STORAGE == {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    }
    security = settings.MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
    assert settings.MIDDLEWARE[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"


def test_brotli_is_installed_for_whitenoise():
    from whitenoise.compress import Compressor

    assert Compressor(quiet=True).use_brotli


def _chart_types_drawn() -> set[str]:
    """The series types dashboard/charts.py hands to charts.js."""
    source = (ROOT / "dashboard" / "charts.py").read_text("utf-8")
    types = set(re.findall(r'"type": "(\w+)"', source))
    types |= set(re.findall(r'kind: str = "(\w+)"', source))
    return types


def test_the_echarts_build_registers_every_chart_type_the_dashboard_draws():
    entry = (ECHARTS / "src" / "entry.js").read_text("utf-8")
    registered = {name.lower() for name in re.findall(r"\b(\w+)Chart\b", entry)}
    drawn = _chart_types_drawn()
    assert drawn and drawn <= registered, f"rebuild ECharts with {drawn - registered}"
    assert "SVGRenderer" in entry  # charts.js draws with { renderer: "svg" }


def test_the_echarts_file_is_the_custom_build_not_the_full_one():
    built = ECHARTS / "echarts.min.js"
    assert built.stat().st_size < 700_000  # the full 5.6.0 build is 1,034,102 bytes
    assert built.read_text("utf-8").startswith("/*! Apache ECharts 5.6.0 (custom build")
    assert (ECHARTS / "LICENSE").exists()
    assert "echarts 5.6.0" in (STATIC / "vendor" / "VERSIONS").read_text("utf-8")


def test_every_source_map_a_static_file_names_exists():
    """The manifest storage rewrites sourceMappingURL comments and fails collectstatic on a
    missing file: a vendored file must not name a map that is not vendored beside it."""
    missing = []
    for path in STATIC.rglob("*"):
        if path.suffix not in (".js", ".css"):
            continue
        for name in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text("utf-8")):
            if not (path.parent / name).exists():
                missing.append(f"{path.relative_to(ROOT)} -> {name}")
    assert missing == []
