"""Minimal Wagtail "API CMS" settings. Everything environment-specific comes from env vars."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ["CMS_SECRET_KEY"]  # required, fail loudly if missing
DEBUG = os.environ.get("CMS_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("CMS_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

# Set CMS_ADMIN=0 for a headless-only install (no editor UI, fewer apps/tables).
WITH_ADMIN = os.environ.get("CMS_ADMIN", "1") == "1"

INSTALLED_APPS = [
    "campaigns",
    "wagtail.api.v2",
    "wagtail",  # core (Page, Site, Revision, signals, publish_scheduled command)
    "modelcluster",
    "taggit",
    "rest_framework",  # only for the browsable API; JSON works without it
    "django.contrib.auth",
    "django.contrib.contenttypes",
]
if WITH_ADMIN:
    INSTALLED_APPS += [
        "wagtail.admin",
        "wagtail.users",
        "wagtail.images",
        "wagtail.documents",
        "wagtail.snippets",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
if WITH_ADMIN:
    MIDDLEWARE += [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]

ROOT_URLCONF = "cmsproject.urls"
WSGI_APPLICATION = "cmsproject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("CMS_DB_PATH", str(BASE_DIR / "cms.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("CMS_STATIC_ROOT", str(BASE_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("CMS_MEDIA_ROOT", str(BASE_DIR / "media"))

WAGTAIL_SITE_NAME = "Campaign CMS"
WAGTAILADMIN_BASE_URL = os.environ.get("CMS_BASE_URL", "http://localhost:8000")
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL  # absolute detail_url/html_url in API output
WAGTAILAPI_LIMIT_MAX = 100
# Database search backend: no Elasticsearch; fine for tests.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Webhook fired on page_published / page_unpublished (empty URL = disabled).
CMS_WEBHOOK_URL = os.environ.get("CMS_WEBHOOK_URL", "")
CMS_WEBHOOK_SECRET = os.environ.get("CMS_WEBHOOK_SECRET", "")
CMS_WEBHOOK_TIMEOUT = float(os.environ.get("CMS_WEBHOOK_TIMEOUT", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"campaigns": {"handlers": ["console"], "level": "INFO"}},
}
