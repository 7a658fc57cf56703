"""Pages of households and persons (户、人员), mounted by ``web/urls.py`` in the ``web`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("households/", views.households, name="households"),
    path("households/<str:number>/", views.household_detail, name="household"),
    path("persons/", views.persons, name="persons"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/sensitive/", views.person_sensitive, name="person_sensitive"),
    path("persons/<int:pk>/reveal/", views.person_reveal_view, name="person_reveal"),
]
