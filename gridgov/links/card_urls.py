"""The public phone page a contact card's QR code opens, under /c/: no account needed."""

from django.urls import path

from .views import cards

app_name = "card"
urlpatterns = [
    path("<str:value>/", cards.card_page, name="page"),
    path("<str:value>/appraise/", cards.card_appraise, name="appraise"),
]
