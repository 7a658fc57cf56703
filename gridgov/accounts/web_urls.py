"""Pages of accounts whose URL names live in the ``web`` namespace (``web:roles``).

``accounts.urls`` has its own namespace ("accounts": users, assignments, one's password). The
role table was a page of the web UI before it moved here, and templates and tests name it
``web:roles``; so it sits in this second list, with no ``app_name``, which ``gridgov.web.urls``
includes.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("roles/", views.roles, name="roles"),
]
