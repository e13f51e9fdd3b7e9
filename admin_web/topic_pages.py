"""``/topics``: the officers' emotion log and the kiosks' counsellor suggestions as k-anonymous
monthly counts (admin_web/topic_stats.py), for admins only; the view is audited."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from admin_web import db
from admin_web.audit_log import record
from admin_web.page_access import AdminUser, engine_of
from admin_web.page_render import render
from admin_web.security import utcnow
from admin_web.topic_stats import TOPICS, reminder_months, topic_months

MONTHS_SHOWN = 12


def topics_page(request: Request, user: AdminUser) -> HTMLResponse:
    """What weighs on the officers, month by month: officers per topic, fewer than k shown as "<k"."""
    since = (utcnow().date() - timedelta(days=31 * MONTHS_SHOWN)).replace(day=1)
    with engine_of(request).begin() as conn:
        k = int(db.get_settings(conn)["k_anonymity"])
        months = topic_months(conn, since, k)
        reminders = reminder_months(conn, since, k)
        record(conn, user.name, "view", "topics")
    return render(request, "topics.html", user, months=months, topics=TOPICS, k=k, reminders=reminders)
