"""Staff's pages of matters and the inbox; mounted by ``web/urls.py``, so the names are
``web:…`` (no app_name here). ``new`` and ``measures`` come before ``<number>``."""

from django.urls import path

from . import views

urlpatterns = [
    path("matters/", views.matters, name="matters"),
    path("matters/new/", views.matter_new, name="matter_new"),
    path("matters/measures/", views.matter_measures_page, name="matter_measures"),
    path("matters/<str:number>/", views.matter_detail, name="matter"),
    path("matters/<str:number>/act/<str:action>/", views.matter_act_view, name="matter_act"),
    path("matters/<str:number>/photos/<int:pk>/", views.matter_photo, name="matter_photo"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("inbox/unread/", views.inbox_unread, name="inbox_unread"),
]
