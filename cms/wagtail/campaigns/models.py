from typing import ClassVar

from django.db import models
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.rich_text import expand_db_html


class RichTextHTMLSerializer(serializers.Field):
    """Serialize a RichTextField as front-end HTML (internal page/doc links resolved to real URLs).

    Without this the API returns Wagtail's *database* representation, e.g.
    <a linktype="page" id="3">, which is identical to HTML only for content without internal links.
    """

    def to_representation(self, value):
        return expand_db_html(value)


class CampaignPage(Page):
    # The site's forms (site/data/forms.toml): the page's sign-up form posts to the form backend.
    FORM_CHOICES: ClassVar = [("signup", "Sign-up for offers by email")]

    hero = models.CharField(max_length=255)
    body = RichTextField(blank=True)
    cta = models.CharField(max_length=255, blank=True)
    form = models.CharField(max_length=32, choices=FORM_CHOICES, default="signup")

    # go_live_at / expire_at are inherited from Page (DraftStateMixin) and edited in the
    # admin's "Settings" tab; they are exposed read-only in the API here.
    api_fields: ClassVar = [
        APIField("hero"),
        APIField("body", serializer=RichTextHTMLSerializer()),
        APIField("cta"),
        APIField("form"),
        APIField("go_live_at"),
        APIField("expire_at"),
    ]

    # Only used by the admin editor UI (harmless when CMS_ADMIN=0).
    content_panels: ClassVar = [
        *Page.content_panels,
        FieldPanel("hero"),
        FieldPanel("body"),
        FieldPanel("cta"),
        FieldPanel("form"),
    ]
