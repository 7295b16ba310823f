from django.urls import path

from wizard import views

app_name = "wizard"

urlpatterns = [
    path("", views.connection_list, name="connection_list"),
]
