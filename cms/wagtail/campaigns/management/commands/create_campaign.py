"""Create (or update) and publish a CampaignPage; prints {"id": ..., "live": ...} as JSON.

  python manage.py create_campaign --slug spring --title "Spring" --hero "Hi" \
      --body "<p>Hello</p>" --cta "Sign up" --form newsletter \
      --go-live-at 2020-01-01T00:00:00Z --expire-at 2030-01-01T00:00:00Z
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from wagtail.models import Page, Site

from campaigns.models import CampaignPage


def _dt(value):
    if not value:
        return None
    dt = parse_datetime(value)
    if dt is None or dt.tzinfo is None:
        raise CommandError(f"not an ISO-8601 datetime with timezone: {value!r}")
    return dt


class Command(BaseCommand):
    help = "Create/update and publish a CampaignPage under the default site's root page."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--title")
        parser.add_argument("--hero", required=True)
        parser.add_argument("--body", default="")
        parser.add_argument("--cta", default="")
        parser.add_argument(
            "--form", default="signup", choices=[c for c, _ in CampaignPage.FORM_CHOICES]
        )
        parser.add_argument("--go-live-at")
        parser.add_argument("--expire-at")
        parser.add_argument(
            "--draft", action="store_true", help="save a revision but do not publish"
        )

    def handle(self, *args, **o):
        parent = Site.objects.get(is_default_site=True).root_page
        page = CampaignPage.objects.child_of(parent).filter(slug=o["slug"]).first()
        is_new = page is None
        if is_new:
            page = CampaignPage(slug=o["slug"])
        page.title = o["title"] or o["slug"]
        page.hero, page.body, page.cta, page.form = o["hero"], o["body"], o["cta"], o["form"]
        page.go_live_at, page.expire_at = _dt(o["go_live_at"]), _dt(o["expire_at"])
        if is_new:
            page.live = False  # created as draft; publish() below makes it live
            parent.add_child(instance=page)
        revision = page.save_revision()
        if not o["draft"]:
            # go_live_at in the future => stays draft, revision.approved_go_live_at set
            # (publish_scheduled will publish it later). Otherwise it goes live now.
            revision.publish()
        page = Page.objects.get(pk=page.pk).specific
        self.stdout.write(json.dumps({"id": page.id, "live": page.live, "url_path": page.url_path}))
