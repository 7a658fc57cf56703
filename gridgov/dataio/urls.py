"""The import page and its jobs; included by ``web.urls``, so the names stay ``web:import…``."""

from django.urls import path

from . import views

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
    path("import/jobs/<str:job_id>/", views.import_job, name="import_job"),
    path("import/jobs/<str:job_id>/progress/", views.import_progress, name="import_progress"),
    path("import/jobs/<str:job_id>/report/", views.import_report, name="import_report"),
    path("import/jobs/<str:job_id>/commit/", views.import_commit, name="import_commit"),
]
