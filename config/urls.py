from django.contrib import admin
from django.urls import include, path

from orchestrations.admin.health import engine_health_page
from orchestrations.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/engine-health/", admin.site.admin_view(engine_health_page), name="engine-health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("builder/", include("builder.urls")),
    path("", include("inbox.urls")),
]

# Shown with DEBUG off (with DEBUG on, Django shows its technical pages instead).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
