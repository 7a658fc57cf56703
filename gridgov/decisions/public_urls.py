"""A village's public board (村务公开栏) under /p/board/: no account needed."""

from django.urls import path, re_path

from .views import public

app_name = "board"
urlpatterns = [
    path("<str:code>/", public.board_village, name="village"),
    path("<str:code>/<str:pk>/", public.board_notice, name="notice"),
    # Any other path ending in "/" gets the board's own 404 page, not the site's bare one.
    re_path(r"^(?:.*/)?$", public.board_unknown, name="unknown"),
]
