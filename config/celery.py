"""The Celery application: background steps, timers, the stuck-run sweeper, and the
daily clean-up of old login records."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("handoff")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.forget_old_logins", ignore_result=True)
def forget_old_logins() -> int:
    """Delete the login records (django-axes' access log: who signed in, from where)
    older than HANDOFF_LOGIN_LOG_KEEP_DAYS; returns how many went."""
    from axes.handlers.proxy import AxesProxyHandler
    from django.conf import settings

    return int(AxesProxyHandler.reset_logs(age_days=settings.HANDOFF_LOGIN_LOG_KEEP_DAYS))
