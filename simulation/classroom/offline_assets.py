"""Fill Solara's CDN asset cache from the npm registry, so the web app works with no internet.

Run ``python -m simulation.classroom.offline_assets`` once after installing the ``viz`` extra.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: npm packages the classroom page loads through Solara's CDN proxy (``/_solara/cdn/``):
#: the Vuetify app bundle and its fonts, require.js, the grid layout Mesa's SolaraViz
#: uses, and Font Awesome. Versions are read from the installed Solara (see
#: ``page_packages``), so upgrading Solara fetches the versions it asks for.
PAGE_PACKAGE_NAMES = (
    "@widgetti/solara-vuetify-app",
    "requirejs",
    "@widgetti/vue-grid-layout",
)
#: Packages other Solara components load (Markdown maths and diagrams, Vega charts, the
#: Vuetify 3 app); fetched with ``--all``.
EXTRA_PACKAGE_NAMES = (
    "@widgetti/solara-vuetify3-app",
    "katex",
    "mermaid",
)
#: Marks a package folder as complete (written last, after the atomic rename).
_COMPLETE = "package.json"


def _solara_dir() -> Path:
    import solara

    return Path(solara.__file__).parent


def cache_dir() -> Path:
    """Where the Solara server looks for CDN files (``SOLARA_ASSETS_PROXY_CACHE_DIR``)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _referenced_versions(name: str) -> set[str]:
    """Exact versions of ``name`` that the installed Solara's pages and widgets reference."""
    pattern = re.compile(re.escape(name) + r"@(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)/")
    found: set[str] = set()
    for path in _solara_dir().rglob("*"):
        if path.suffix in {".j2", ".vue", ".py", ".js", ".html"} and path.is_file():
            found.update(pattern.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return found


def page_packages(include_extra: bool = False) -> list[str]:
    """``name@version`` specs of the npm packages the page needs from the CDN.

    Raises:
        RuntimeError: If the installed Solara no longer references one of them (a
            Solara upgrade changed its assets: update ``PAGE_PACKAGE_NAMES``).
    """
    from solara.server import settings

    specs = []
    for name in PAGE_PACKAGE_NAMES + (EXTRA_PACKAGE_NAMES if include_extra else ()):
        versions = _referenced_versions(name)
        if not versions:
            if name in EXTRA_PACKAGE_NAMES:
                continue
            raise RuntimeError(f"solara {_solara_version()} does not reference {name}@<version>; "
                               "update PAGE_PACKAGE_NAMES in "
                               "simulation/classroom/offline_assets.py")
        specs.extend(f"{name}@{v}" for v in sorted(versions))
    if settings.assets.fontawesome_enabled:
        match = re.match(r"/?((?:@[^/]+/)?[^/@]+)@([^/]+)/", settings.assets.fontawesome_path)
        if match:
            specs.append(f"{match.group(1)}@{match.group(2)}")
    return specs


def _solara_version() -> str:
    import solara

    return solara.__version__


def _spec_dir(root: Path, spec: str) -> Path:
    # The CDN path of a file is <name>@<version>/<file in the package>: mirror it.
    return root / spec


def is_cached(spec: str, root: Path | None = None) -> bool:
    """Whether the package ``spec`` (``name@version``) is complete in the cache."""
    return (_spec_dir(root or cache_dir(), spec) / _COMPLETE).is_file()


def fetch(spec: str, root: Path, npm: str = "npm") -> Path:
    """Download ``spec`` with ``npm pack`` and unpack it where Solara's proxy looks.

    The package is unpacked into a temporary folder next to its destination and renamed
    into place, so an interrupted run never leaves a half-filled package behind.

    Returns:
        The package folder in the cache.
    """
    dest = _spec_dir(root, spec)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".fetch-") as tmp:
        out = subprocess.run(
            [npm, "pack", "--silent", "--json", "--pack-destination", tmp, spec],
            check=True, capture_output=True, text=True,
        )
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            raise RuntimeError(f"npm pack {spec} gave {len(tarballs)} tarballs: {out.stdout!r}")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(unpacked, filter="data")
        tops = [p for p in unpacked.iterdir() if p.is_dir()]
        if len(tops) != 1:
            raise RuntimeError(f"{spec}: expected one top folder in the tarball, got {tops}")
        if dest.exists():
            shutil.rmtree(dest)
        tops[0].rename(dest)
    return dest


def fill_cache(root: Path | None = None, include_extra: bool = False, force: bool = False,
               npm: str = "npm") -> list[str]:
    """Fetch every package the page needs that is not cached yet.

    Args:
        root: The cache folder (default: Solara's ``proxy_cache_dir``).
        include_extra: Also fetch the assets of components the page does not use.
        force: Fetch again even if cached.
        npm: The npm executable.

    Returns:
        The specs that were fetched.
    """
    root = root or cache_dir()
    todo = [s for s in page_packages(include_extra) if force or not is_cached(s, root)]
    if todo and shutil.which(npm) is None:
        raise RuntimeError(f"{npm!r} not found: install Node.js and npm (apt-get install -y npm)")
    for spec in todo:
        print(f"fetching {spec} -> {_spec_dir(root, spec)}", flush=True)
        fetch(spec, root, npm)
    return todo


def missing(root: Path | None = None) -> list[str]:
    """The page's packages that are not in the cache (empty when the page works offline)."""
    return [s for s in page_packages() if not is_cached(s, root or cache_dir())]


def main(argv: list[str] | None = None) -> int:
    """Command line: fill the cache, or with ``--check`` only report what is missing."""
    parser = argparse.ArgumentParser(prog="python -m simulation.classroom.offline_assets",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="Solara's CDN cache folder (default: %(default)s = Solara's "
                             "SOLARA_ASSETS_PROXY_CACHE_DIR)")
    parser.add_argument("--all", action="store_true",
                        help="also fetch assets of Solara components the page does not use")
    parser.add_argument("--force", action="store_true", help="fetch again even if cached")
    parser.add_argument("--check", action="store_true",
                        help="fetch nothing; exit 1 if an asset of the page is missing")
    args = parser.parse_args(argv)
    root = args.cache_dir or cache_dir()
    if args.check:
        gaps = missing(root)
        for spec in gaps:
            print(f"missing: {spec}", file=sys.stderr)
        print(f"{root}: {'complete' if not gaps else f'{len(gaps)} missing'}")
        return 1 if gaps else 0
    fetched = fill_cache(root, include_extra=args.all, force=args.force)
    print(f"{root}: {len(fetched)} fetched, {len(page_packages(args.all)) - len(fetched)} "
          "already cached")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
