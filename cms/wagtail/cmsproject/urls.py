from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)

urlpatterns = [path("api/v2/", api_router.urls)]

if settings.WITH_ADMIN:
    from wagtail.admin import urls as wagtailadmin_urls

    urlpatterns.append(path("admin/", include(wagtailadmin_urls)))

# Must be last: Wagtail's catch-all page-serving route.
urlpatterns.append(path("", include(wagtail_urls)))
