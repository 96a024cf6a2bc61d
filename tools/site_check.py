"""Link check of a built static site: `python -m tools.site_check DIR [--stack NAME]`.

Every internal link and resource (`href`, `src`, `action` of same-site URLs) of every HTML file
must resolve the way Workers Static Assets resolves it with the stack's asset config: a file, a
folder's index.html, `name.html` for `/name`, or a `_redirects` rule. With `--stack`, links to
paths the stack's static site does not serve (`spikeproof:site.paths`) are the fleet's and are
listed as not checked. External URLs are not fetched (the pipeline runs offline of the sites it
links to); HTML itself is checked by html-validate (`npx html-validate`, package.json).

Exit code: 1 with one line per broken link (file, link, why), 0 when every link resolves.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from model.edge_eval import route_matches

LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "form": "action",
              "source": "src", "iframe": "src", "video": "src", "audio": "src"}  # fmt: skip


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = LINK_ATTRS.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.links.append(value)


def redirect_sources(site: Path) -> set[str]:
    rules = site / "_redirects"
    if not rules.is_file():
        return set()
    return {
        line.split()[0]
        for line in rules.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }


def resolves(site: Path, path: str, redirects: set[str]) -> bool:
    if path in redirects:
        return True
    rel = path.lstrip("/")
    candidates = [rel, posixpath.join(rel, "index.html"), rel.rstrip("/") + ".html"]
    return any((site / c).is_file() for c in candidates if c not in ("", ".html"))


def check(site: Path, static_paths: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(broken, not checked) lines."""
    redirects = redirect_sources(site)
    broken: list[str] = []
    skipped: list[str] = []
    for page in sorted(site.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        base = "/" + page.relative_to(site).as_posix()
        for link in parser.links:
            parts = urllib.parse.urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("#", "mailto:", "tel:")):
                continue  # another site, or this page's own fragment
            joined = urllib.parse.urljoin(base, parts.path)
            path = posixpath.normpath(urllib.parse.unquote(joined))
            # normpath drops a trailing slash that the joined URL (what the browser asks) has.
            path += "/" if joined.endswith("/") and not path.endswith("/") else ""
            # The static paths are Workers route paths: matched as the edge matches routes.
            if static_paths is not None and not any(
                route_matches(f"site{p}", "site", path) for p in static_paths
            ):
                skipped.append(f"{page.relative_to(site)}: {link} (served by the fleet)")
                continue
            if not resolves(site, path, redirects):
                broken.append(f"{page.relative_to(site)}: {link}: no file, index.html or redirect")
    return broken, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site_check")
    parser.add_argument("site", type=Path)
    parser.add_argument("--stack", help="check only the paths this stack's static site serves")
    args = parser.parse_args(argv)
    if not args.site.is_dir():
        print(f"site_check: {args.site} is not a folder (build the site first)", file=sys.stderr)
        return 2
    static = None
    if args.stack:
        from settings import stack_settings

        site = stack_settings(args.stack).site
        static = list(site.paths) if site is not None else []
    broken, skipped = check(args.site, static)
    for line in skipped:
        print(f"not checked: {line}")
    for line in broken:
        print(f"broken: {line}", file=sys.stderr)
    pages = len(list(args.site.rglob("*.html")))
    print(f"{pages} pages, {len(broken)} broken links, {len(skipped)} links to the fleet")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
