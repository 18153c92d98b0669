from __future__ import annotations

from django.urls import path

from gpu_worker.api import views

urlpatterns = [
    path("generate", views.generate, name="generate"),
    path("generate/<uuid:job_id>", views.job_status, name="generate-status"),
    path("generate/<uuid:job_id>/image", views.job_image, name="generate-image"),
]
