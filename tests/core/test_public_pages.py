"""Pages every visitor may reach: the accessibility statement and the error page."""

from django.template.loader import render_to_string
from django.urls import reverse


def test_accessibility_statement_has_the_legally_required_items(client, db, settings):
    settings.CONTACT_EMAIL = "accessibilite@mairie.example.fr"
    page = client.get(reverse("accessibility")).content.decode()
    assert "partiellement conforme" in page  # compliance state
    assert "Contenus non accessibles" in page and "Non-conformités connues" in page
    assert "établie le" in page and "2026" in page  # date of the statement
    assert 'href="mailto:accessibilite@mairie.example.fr"' in page  # contact
    assert "Défenseur des droits" in page and "Libre réponse 71120" in page  # recourse


def test_server_error_page_claims_nothing_about_saved_input_and_says_what_to_do():
    # The same page answers a simple page view and a form: it must not tell a reader who
    # only opened a page that their input was lost.
    page = render_to_string("500.html")
    assert "votre saisie n'a pas été enregistrée" not in page
    assert "Réessayez" in page and "Retour à l'accueil" in page
    assert "formulaire" in page  # what to check when a form was being sent
