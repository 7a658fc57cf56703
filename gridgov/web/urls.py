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
    path("households/", views.households, name="households"),
    path("households/<str:number>/", views.household_detail, name="household"),
    path("persons/", views.persons, name="persons"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/sensitive/", views.person_sensitive, name="person_sensitive"),
    path("persons/<int:pk>/reveal/", views.person_reveal_view, name="person_reveal"),
    path("orgs/", views.orgs, name="orgs"),
    path("orgs/report/", views.org_report, name="org_report"),
    path("orgs/<str:code>/", views.org_detail, name="org"),
    path("members/", views.members, name="members"),
    path("bodies/<str:code>/", views.body_detail, name="body"),
    path("search/", views.search, name="search"),
    path("", include("gridgov.cases.urls")),
    path("audit/", views.audit_log, name="audit"),
    path("roles/", views.roles, name="roles"),
    path("import/", views.import_page, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
    path("import/jobs/<str:job_id>/", views.import_job, name="import_job"),
    path("import/jobs/<str:job_id>/progress/", views.import_progress, name="import_progress"),
    path("import/jobs/<str:job_id>/report/", views.import_report, name="import_report"),
    path("import/jobs/<str:job_id>/commit/", views.import_commit, name="import_commit"),
]
