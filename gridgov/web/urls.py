"""The ``web`` namespace: the shell's own pages, and the apps' page lists included here.

The shell's pages are home, sign-in/out, the grid node page and search (they combine apps). An
app's page list (``gridgov.<app>.urls``, or ``accounts.web_urls``) has no ``app_name``, so
included here its pages keep their names in ``web:`` (``web:audit``, ``web:roles``, …).
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from gridgov.accounts.forms import LoginForm

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("grid/<str:code>/", views.node_detail, name="node"),
    path("grid/<str:code>/children/", views.node_children, name="node_children"),
    # Households and persons (户、人员); their place in this list keeps the resolution order.
    path("", include("gridgov.people.urls")),
    # Party organizations, members and bodies (党组织、党员、自治组织); their place in this list
    # keeps the resolution order.
    path("", include("gridgov.orgs.urls")),
    path("search/", views.search, name="search"),
    path("", include("gridgov.cases.urls")),
    # Party members linked to households (党员联户): links, plans, visits, cards.
    path("", include("gridgov.links.urls")),
    # Important matters decided by law (重要事项决策): matters, meetings, reviews, notices.
    path("", include("gridgov.decisions.urls")),
    path("", include("gridgov.core.urls")),
    path("", include("gridgov.accounts.web_urls")),
    # The import page and its jobs (导入).
    path("", include("gridgov.dataio.urls")),
]
