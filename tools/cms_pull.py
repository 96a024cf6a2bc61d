"""Pull campaign pages from an API CMS into Hugo content: `python -m tools.cms_pull`.

    python -m tools.cms_pull --api wagtail --url https://cms.acme.com --out build/content

The site's own content (`site/content`: the thank-you, error and 404 pages, anything that is not a
campaign page) is copied to `--out`, its git-CMS campaign pages are replaced by the API's, and
`python -m tools.site_build --content build/content` builds it (settings `site.cms.api` make
`tools.site_build --stack` do both). The page type is the same as the git CMS writes
(site/layouts/campaign/single.html): title, hero, body, cta, form, publishDate, expiryDate.

Wagtail (cms/wagtail, its API v2): `GET /api/v2/pages/?type=campaigns.CampaignPage&fields=*`,
paged with `offset` (WAGTAILAPI_LIMIT_MAX). It lists what is live: a page whose `expire_at` has
passed stays live until Wagtail's hourly `publish_scheduled` unpublishes it, so the expiry is
also written as Hugo's `expiryDate` and the build leaves the page out on time.

CMS content is untrusted: the rich-text body (HTML) is cleaned to an allow-list of tags and
attributes (nh3, the Rust ammonia sanitizer), then written as Markdown (markdownify), so an API
page goes through the one rendering path the git CMS's pages take, where raw HTML is never
rendered (site/hugo.toml; Hugo's own policy also refuses HTML content files). A slug that is
not a plain URL segment, or a form the site does not have, refuses the pull naming the page.
Exit 2 with one line per problem.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nh3
import yaml
from markdownify import markdownify

from settings.files import ROOT

SOURCE_CONTENT = ROOT / "site" / "content"
PAGE_TYPE = "campaigns.CampaignPage"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "b", "em", "i", "a", "br", "blockquote"}
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"https", "mailto"}
PAGE_SIZE = 20
"""Wagtail's WAGTAILAPI_LIMIT_MAX default (20): a larger `limit` is refused with 400."""


class PullError(Exception):
    """Problems with the CMS's answer, one line each."""


def _get(url: str, timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data = json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError) as error:  # URLError, timeouts, resets; bad JSON or UTF-8
        raise PullError(f"{url}: {error}") from None
    if not isinstance(data, dict):
        raise PullError(f"{url}: not the JSON object the Wagtail API answers")
    return data


def wagtail_pages(base_url: str, *, timeout: float = 10.0) -> Iterator[dict[str, Any]]:
    """Every live campaign page of the Wagtail API, page by page."""
    offset = 0
    while True:
        query = urllib.parse.urlencode(
            {"type": PAGE_TYPE, "fields": "*", "limit": PAGE_SIZE, "offset": offset}
        )
        data = _get(f"{base_url.rstrip('/')}/api/v2/pages/?{query}", timeout)
        items = data.get("items")
        if not isinstance(items, list):
            raise PullError(f"{base_url}: no `items` list in the API's answer")
        yield from items
        offset += len(items)
        meta = data.get("meta")
        total = meta.get("total_count") if isinstance(meta, dict) else None
        if not isinstance(total, int):
            raise PullError(f"{base_url}: no meta.total_count number in the API's answer")
        if not items or offset >= total:
            return


def clean_html(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES)


def as_markdown(html: str) -> str:
    """The cleaned rich text as Markdown whose text stays text: Markdown's own characters and `<`
    are escaped (markdownify's escape_misc), and every `{` too (CommonMark lets any ASCII
    punctuation be escaped), so no `{{< shortcode >}}` or `{{% %}}` in CMS text reaches Hugo's
    shortcode parser, which would render it (an iframe, an image) or fail the whole build."""
    text = str(markdownify(clean_html(html), heading_style="ATX", escape_misc=True)).strip()
    return text.replace("{", "\\{")


def page_file(item: dict[str, Any], forms: set[str]) -> tuple[str, str]:
    """(slug, the Hugo content file's text) of one Wagtail page; PullError naming it."""
    meta = item.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    slug = str(meta.get("slug", ""))
    title = str(item.get("title", "")).strip()
    label = f"page {item.get('id')} ({slug or 'no slug'})"
    problems = []
    if not SLUG.match(slug):
        problems.append(f"{label}: slug must be lower-case letters, digits and '-'")
    if not title:
        problems.append(f"{label}: no title")
    form = str(item.get("form") or "signup")
    if form not in forms:
        problems.append(f"{label}: form {form!r} is not one of the site's ({sorted(forms)})")
    if problems:
        raise PullError("; ".join(problems))
    front: dict[str, Any] = {"type": "campaign", "title": title, "form": form}
    for key in ("hero", "cta"):
        if item.get(key):
            front[key] = str(item[key])
    if item.get("go_live_at"):
        front["publishDate"] = str(item["go_live_at"])
    elif meta.get("first_published_at"):
        front["publishDate"] = str(meta["first_published_at"])
    if item.get("expire_at"):
        front["expiryDate"] = str(item["expire_at"])
    front["cms"] = {"api": "wagtail", "id": item.get("id")}
    body = as_markdown(str(item.get("body") or ""))
    return slug, f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{body}\n"


def site_forms(path: Path) -> set[str]:
    return set(tomllib.loads(path.read_text(encoding="utf-8")))


def _is_campaign(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return False
    front = yaml.safe_load(text.split("---\n", 2)[1]) or {}
    return isinstance(front, dict) and front.get("type") == "campaign"


def pull(
    base_url: str, out: Path, *, source: Path = SOURCE_CONTENT, allow_empty: bool = False
) -> list[str]:
    """The content folder at `out` (replaced): the site's own pages and the API's campaign
    pages. The slugs written; nothing is written when a page is refused, or when the CMS lists
    no page at all (a wrong URL or a CMS glitch would otherwise take every campaign page down)
    unless `allow_empty`."""
    try:
        forms = site_forms(source.parent / "data" / "forms.toml")
        pages = sorted((source / "campaigns").glob("*.md"))
        replaced = {p.name for p in pages if _is_campaign(p)}  # the git CMS's campaign pages
        own = {p.stem for p in pages if p.name not in replaced}
    except (OSError, tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise PullError(f"the site's source {source.parent}: {error}") from None
    files: dict[str, str] = {}
    problems: list[str] = []
    for item in wagtail_pages(base_url):
        try:
            if not isinstance(item, dict):
                raise PullError(f"an item that is not a page object: {str(item)[:80]!r}")
            slug, text = page_file(item, forms)
        except PullError as error:
            problems.append(str(error))
            continue
        if slug in own:
            problems.append(f"page {slug!r}: the site's own page has that address; rename it")
        if slug in files:
            problems.append(f"two pages with slug {slug!r}")
        files[slug] = text
    if not files and not problems and not allow_empty:
        problems.append(
            f"{base_url} lists no campaign page: refusing to take every page down "
            "(check site.cms.api.url; --allow-empty if that is meant)"
        )
    if problems:
        raise PullError("; ".join(problems))
    try:
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(source, out)
        campaigns = out / "campaigns"
        for name in replaced:
            (campaigns / name).unlink()
        for slug, text in files.items():
            (campaigns / f"{slug}.md").write_text(text, encoding="utf-8")
    except OSError as error:
        raise PullError(f"writing {out}: {error}") from None
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cms_pull")
    parser.add_argument("--api", choices=["wagtail"], default="wagtail")
    parser.add_argument("--url", required=True, help="the CMS's base URL")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "content")
    parser.add_argument(
        "--allow-empty", action="store_true", help="build with no campaign page at all"
    )
    args = parser.parse_args(argv)
    try:
        slugs = pull(args.url, args.out, allow_empty=args.allow_empty)
    except PullError as error:
        print(f"cms_pull: {error}", file=sys.stderr)
        return 2
    print(f"{len(slugs)} campaign pages from {args.url} into {args.out}: {', '.join(slugs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
