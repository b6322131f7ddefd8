"""The files folium's maps load (Leaflet, jQuery, Bootstrap, Font Awesome and the Leaflet plugins), served
by the app itself instead of five public CDNs (no Streamlit).

folium writes CDN addresses into every map. ``self_host`` swaps them, in one place, for copies kept in
``static/map/`` and served by Streamlit at ``app/static/map/`` (``server.enableStaticServing`` in
.streamlit/config.toml); ``standalone_html`` writes a map as one HTML file with every asset inside it, so a
downloaded map opens from a file with no network. A resident's browser then asks no host but the app and
the tile server (README "Maps").

The copies come from npm packages pinned in tests/browser/package-lock.json, and the heat plugin from the
folium wheel pinned in requirements.txt (folium's copy carries a fix for weighted points that the npm
release lacks). ``scripts/vendor-map-assets`` copies them and writes ``static/map/manifest.json`` (file,
package, version, sha256); ``check`` holds the copies to it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

import folium
from branca.element import Element
from folium.elements import ElementAddToElement

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "static" / "map"
MANIFEST = FOLDER / "manifest.json"
NODE_MODULES = ROOT / "tests" / "browser" / "node_modules"
PACKAGE_LOCK = ROOT / "tests" / "browser" / "package-lock.json"

# Where a map shown through st_folium finds the files. st_folium draws each map in an iframe at
# <app>/component/streamlit_folium.st_folium/index.html, so this relative address reaches <app>/app/static/
# whatever path the app is served under (server.baseUrlPath).
SERVED_AT = "../../app/static/map/"
# Used by ``standalone_html`` only: a base no real address starts with, so the tags to inline are found
# exactly.
INLINE_BASE = "hcsp-map-asset:/"


@dataclass(frozen=True)
class Package:
    """Files taken from one pinned package: paths inside the package, kept as they are under
    ``static/map/<name>/``."""

    name: str
    files: tuple[str, ...]
    licence: str
    source: str = "npm"  # or "folium" (the wheel pinned in requirements.txt)


PACKAGES = (
    Package(
        "leaflet",
        (
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
        ),
        "LICENSE",
    ),
    Package("jquery", ("dist/jquery.min.js",), "LICENSE.txt"),
    Package("bootstrap", ("dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"), "LICENSE"),
    # The stylesheet also names a TrueType copy of each font after the WOFF2 one; every browser Leaflet
    # supports reads WOFF2 and stops there, so the TrueType files (660 kB) are not copied.
    Package(
        "@fortawesome/fontawesome-free",
        (
            "css/all.min.css",
            "webfonts/fa-solid-900.woff2",
            "webfonts/fa-regular-400.woff2",
            "webfonts/fa-brands-400.woff2",
            "webfonts/fa-v4compatibility.woff2",
        ),
        "LICENSE.txt",
    ),
    # cdnjs serves 2.0.2, which npm never had; 2.0.4 is the same plugin with the same API and classes.
    Package(
        "leaflet.awesome-markers",
        (
            "dist/leaflet.awesome-markers.js",
            "dist/leaflet.awesome-markers.css",
            "dist/images/markers-soft.png",
            "dist/images/markers-soft@2x.png",
            "dist/images/markers-shadow.png",
            "dist/images/markers-shadow@2x.png",
        ),
        "LICENSE",
    ),
    Package(
        "leaflet.markercluster",
        ("dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"),
        "MIT-LICENCE.txt",
    ),
    Package("folium", ("templates/leaflet_heat.min.js",), "LICENSE.txt", source="folium"),
)

# Every CDN address folium 0.20 writes into the app's maps, and the copy that replaces it (a path under
# static/map/), or None for a file the app's maps do not need.
CDN_FILES: dict[str, str | None] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/dist/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/dist/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "bootstrap/dist/js/bootstrap.bundle.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "leaflet.markercluster/dist/leaflet.markercluster.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster/dist/MarkerCluster.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "leaflet.markercluster/dist/MarkerCluster.Default.css"
    ),
    # folium points at its own repository's moving main branch for this one.
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js": (
        "folium/templates/leaflet_heat.min.js"
    ),
    # Bootstrap 3's glyphicon font, only for glyphicon markers: the app's markers use Font Awesome.
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    # folium's classes for rotated markers (not in its wheel): the app never rotates a marker.
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": None,
}


class UnknownAsset(ValueError):
    """A map asks for a file that is not copied into static/map/: add it to PACKAGES and CDN_FILES and run
    scripts/vendor-map-assets, or the map would send residents' browsers to a CDN."""


# --- rewriting folium's maps ----------------------------------------------------------------------------


def _elements(root: Element) -> Iterator[Element]:
    yield root
    for child in list(getattr(root, "_children", {}).values()):
        yield from _elements(child)


def local_url(url: str, base: str = SERVED_AT) -> str | None:
    """The address of the copy standing in for a CDN ``url``; None when the maps do not need it."""
    for known in (SERVED_AT, INLINE_BASE):
        if url.startswith(known):  # rewritten already: a map is rendered more than once
            return base + url[len(known) :]
    if url not in CDN_FILES:
        raise UnknownAsset(f"a map asks for {url}, which is not in static/map/")
    path = CDN_FILES[url]
    return None if path is None else base + path


def self_host(root: Element, base: str = SERVED_AT) -> None:
    """Point every script and stylesheet that ``root`` and the elements in it load at the app's copies.

    folium adds its ``<script>`` and ``<link>`` tags from each element's ``default_js``/``default_css`` when
    the figure renders, and st_folium reads the same lists; both therefore see the app's addresses. Call it
    just before rendering, after every layer has been added (``SelfHostedMap`` does).
    """
    for element in _elements(root):
        for attribute in ("default_js", "default_css"):
            assets = getattr(element, attribute, None)
            if not assets:
                continue
            rewritten = []
            for name, url in assets:
                local = local_url(url, base)
                if local is not None:
                    rewritten.append((name, local))
            setattr(element, attribute, rewritten)  # on the instance: folium's class lists stay as they are


class SelfHostedMap(folium.Map):
    """folium's ``Map``, loading its scripts and stylesheets (and its layers' and plugins') from the app
    however it is drawn: through st_folium, ``Figure.render`` or ``standalone_html``. Every map the app
    makes is one of these (``maps.blank_map``)."""

    asset_base = SERVED_AT

    def render(self, **kwargs) -> None:
        # Here rather than when the map is made: plugins added after it (heat, clusters) are covered too.
        self_host(self, self.asset_base)
        super().render(**kwargs)


# --- one HTML file with everything inside ---------------------------------------------------------------

_SCRIPT_TAG = re.compile(r'<script src="' + re.escape(INLINE_BASE) + r'([^"]+)"></script>')
_LINK_TAG = re.compile(r'<link rel="stylesheet" href="' + re.escape(INLINE_BASE) + r'([^"]+)"/>')
_CSS_URL = re.compile(r"""url\((['"]?)([^'")]+)\1\)""")
_SOURCE_MAP = re.compile(r"^\s*(//# sourceMappingURL=\S+|/\*# sourceMappingURL=\S+ \*/)\s*$", re.MULTILINE)


def standalone_html(root: Element) -> str:
    """``root`` (a map or its figure) as one HTML document holding every script, stylesheet, image and
    font it needs: it opens from a file, with no network, and draws (tiles aside)."""
    figure = root.get_root()
    _forget_earlier_renders(figure)
    maps = [element for element in _elements(figure) if isinstance(element, SelfHostedMap)]
    for fmap in maps:
        fmap.asset_base = INLINE_BASE
    self_host(figure, INLINE_BASE)
    try:
        html = figure.render()
    finally:
        # st_folium and later renders go on using the served copies.
        for fmap in maps:
            del fmap.asset_base
        self_host(figure, SERVED_AT)
    html = _SCRIPT_TAG.sub(lambda match: f"<script>{_inline_script(match.group(1))}</script>", html)
    html = _LINK_TAG.sub(lambda match: f"<style>{_inline_css(match.group(1))}</style>", html)
    if INLINE_BASE in html:
        raise UnknownAsset(f"a map asset was left as a link: {html[html.index(INLINE_BASE) :][:120]}")
    return html


def _forget_earlier_renders(figure: Element) -> None:
    """Drop what earlier renders left in ``figure``, so the next render holds each element once.

    Each render adds every element's <div> and script, and each layer's "addTo" line, under the elements'
    names at the time; st_folium renames the elements when it shows a map. Rendered again (the download
    button runs after the page drew the map) the old copies would stay beside the new: the map twice, and
    "addTo" lines naming variables that no longer exist. Rendering fills these and adds them all again.
    """
    figure.html._children.clear()
    figure.script._children.clear()
    for element in list(_elements(figure)):
        for name, child in list(element._children.items()):
            if isinstance(child, ElementAddToElement):  # added by folium's Layer.render only
                del element._children[name]


@cache
def _inline_script(path: str) -> str:
    text = _SOURCE_MAP.sub("", (FOLDER / path).read_text(encoding="utf-8"))
    # An inline script ends at the first "</script" whatever the JavaScript means, and "<!--" changes how
    # the HTML parser reads it; none of the copies holds either (the test keeps it so).
    if re.search(r"</script|<!--", text, re.IGNORECASE):
        raise ValueError(f"{path} cannot be written inside a <script> element")
    return text


@cache
def _inline_css(path: str) -> str:
    """A stylesheet with each file it names that the app keeps written into it as a data: URL. Names of
    files not kept (Font Awesome's TrueType fallbacks) stay: a browser never asks for them (see PACKAGES)."""
    folder = PurePosixPath(path).parent
    css = _SOURCE_MAP.sub("", (FOLDER / path).read_text(encoding="utf-8"))

    def inline(match: re.Match) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#")):
            return match.group(0)
        file = FOLDER / _normalise(folder / target)
        if not file.is_file():
            return match.group(0)
        kind = mimetypes.guess_type(file.name)[0] or _FONT_TYPES.get(file.suffix, "application/octet-stream")
        return f'url("data:{kind};base64,{base64.b64encode(file.read_bytes()).decode()}")'

    text = _CSS_URL.sub(inline, css)
    if "</style" in text.lower():
        raise ValueError(f"{path} cannot be written inside a <style> element")
    return text


_FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def css_references(path: str) -> list[str]:
    """The files (paths under static/map/) that the stylesheet ``path`` names by a relative URL."""
    folder = PurePosixPath(path).parent
    css = (FOLDER / path).read_text(encoding="utf-8")
    return [
        _normalise(folder / target)
        for _, target in _CSS_URL.findall(css)
        if not target.startswith(("data:", "#"))
    ]


# --- copying the files in, and checking them ------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folium_root() -> Path:
    import folium

    return Path(folium.__file__).resolve().parent


def _source(package: Package, file: str) -> Path:
    if package.source == "folium":
        if file == package.licence:
            import importlib.metadata

            distribution = importlib.metadata.distribution("folium")
            licence = next(entry for entry in distribution.files or () if entry.name == "LICENSE.txt")
            return Path(str(distribution.locate_file(licence)))
        return _folium_root() / file
    return NODE_MODULES / package.name / file


def _version(package: Package, lock: dict) -> str:
    if package.source == "folium":
        import importlib.metadata

        return importlib.metadata.version("folium")
    return lock["packages"][f"node_modules/{package.name}"]["version"]


def vendor(lock_path: Path = PACKAGE_LOCK) -> list[dict[str, str]]:
    """Copy every file in PACKAGES (and each package's licence) into static/map/ and write the manifest.

    npm packages come from tests/browser/node_modules (``npm ci`` installs the versions in the lock file;
    a different installed version is refused), the heat plugin from the installed folium.
    """
    lock = json.loads(lock_path.read_text())
    entries = []
    if FOLDER.exists():
        shutil.rmtree(FOLDER)
    for package in PACKAGES:
        version = _version(package, lock)
        if package.source == "npm":
            installed = json.loads((NODE_MODULES / package.name / "package.json").read_text())["version"]
            if installed != version:
                raise RuntimeError(
                    f"tests/browser/node_modules has {package.name} {installed}, the lock file {version}: "
                    "run `npm ci` in tests/browser first"
                )
        for file in (*package.files, package.licence):
            target = FOLDER / package.name / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_source(package, file), target)
            entries.append(
                {
                    "file": f"{package.name}/{file}",
                    "package": package.name,
                    "version": version,
                    "source": package.source,
                    "sha256": sha256(target),
                }
            )
    MANIFEST.write_text(
        json.dumps(
            {
                "about": "Map files served by the app (hcsp_engage/render/map_assets.py); made by "
                "scripts/vendor-map-assets, do not edit by hand.",
                "files": entries,
            },
            indent=2,
        )
        + "\n"
    )
    return entries


def manifest() -> list[dict[str, str]]:
    return json.loads(MANIFEST.read_text())["files"]


def check() -> list[str]:
    """What is wrong with static/map/ against its manifest (an empty list when nothing is)."""
    problems = []
    listed = {entry["file"]: entry for entry in manifest()}
    for file, entry in listed.items():
        path = FOLDER / file
        if not path.is_file():
            problems.append(f"{file}: missing")
        elif sha256(path) != entry["sha256"]:
            problems.append(f"{file}: sha256 differs from the manifest")
    present = {path.relative_to(FOLDER).as_posix() for path in FOLDER.rglob("*") if path.is_file()}
    for extra in sorted(present - set(listed) - {MANIFEST.name}):
        problems.append(f"{extra}: not in the manifest")
    return problems


def main(argv: list[str]) -> int:
    if argv == ["vendor"]:
        entries = vendor()
        total = sum((FOLDER / entry["file"]).stat().st_size for entry in entries)
        print(f"Copied {len(entries)} files ({total / 1000:.0f} kB) into {FOLDER.relative_to(ROOT)}/")
        return 0
    if argv == ["check"]:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        print("static/map/ matches its manifest" if not problems else f"{len(problems)} problems")
        return 1 if problems else 0
    print("usage: python -m hcsp_engage.render.map_assets vendor|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
