from django.urls import path

from faq import views

app_name = "faq"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<slug:slug>/", views.detail, name="detail"),
]
