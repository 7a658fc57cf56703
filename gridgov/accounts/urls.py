"""Pages of users and roles (/users/…) and one's own password (/password/)."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("users/", views.users, name="users"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<int:pk>/", views.user_view, name="user"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/password-reset/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/assignments/", views.assignment_new, name="assignment_new"),
    path(
        "users/<int:pk>/assignments/<int:assignment_id>/revoke/",
        views.assignment_revoke,
        name="assignment_revoke",
    ),
    path("password/", views.password_change, name="password_change"),
]
