from django.urls import include, path

from territoria.gouvernance import exports
from territoria.gouvernance.views import assess, pages, participation

app_name = "gouvernance"

P = "gouvernance/projets/<uuid:pk>/"

urlpatterns = [
    path("gouvernance/", pages.index, name="index"),
    path("gouvernance/export.<str:format>", exports.export, name="export"),
    path(
        "gouvernance/organisations/<uuid:pk>/observatoire/", pages.observatory, name="observatory"
    ),
    path(
        "gouvernance/organisations/<uuid:pk>/charte/",
        participation.organisation_settings,
        name="organisation_settings",
    ),
    path(P, pages.project_overview, name="project"),
    path(P + "classification/", assess.classification, name="classification"),
    path(
        P + "classification/v<int:number>/",
        assess.classification_version,
        name="classification_version",
    ),
    path(P + "classification/v<int:number>/valider/", assess.validate, name="validate"),
    path(P + "obligations/<uuid:obligation_pk>/", assess.obligation_update, name="obligation"),
    path(P + "confiance/", assess.trust, name="trust"),
    path(P + "frugalite/", assess.frugality, name="frugality"),
    path(P + "crpa/", assess.crpa, name="crpa"),
    path(P + "crpa/textes/", assess.crpa_texts, name="crpa_texts"),
    path(P + "participer/", participation.message_create, name="message_create"),
    path(P + "soutenir/", participation.support, name="support"),
    path(P + "avis/", participation.opinion_create, name="opinion_create"),
    path(
        "gouvernance/messages/<uuid:message_pk>/moderer/",
        participation.message_moderate,
        name="message_moderate",
    ),
    path("api/gouvernance/", include("territoria.gouvernance.api")),
]
