"""The hand-off loop: a question passed to a human, the agents told, the answer given back.

1. `create_handoff`: the request is saved (question masked, contact kept to answer it), and the
   collection's handlers — its organisation's agents who answer requests, plus the service's
   address — get an e-mail through Django's mail settings (`TERRITORIA_EMAIL_HOST`, else files
   under the data folder);
2. `answer_handoff`: the answer is saved, shown on the requester's conversation beside the
   question, and e-mailed to the contact given (or the requester's account address).

Mail goes after the commit and never breaks the request: a failure is logged, the request or
the answer stays saved (as the register's notifications do).
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from territoria.assistant.models import Collection, HandoffRequest, HandoffState
from territoria.assistant.permissions import CONTRIBUTE, can_answer_handoffs
from territoria.assistant.services.masking import mask_personal_data
from territoria.core.roles import has_capability, users_with

logger = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _subject(text: str) -> str:
    return _CONTROL.sub(" ", f"[{settings.SITE_NAME}] {text}").strip()[:200]


def _send(subject: str, body: str, recipients: list[str]) -> bool:
    if not recipients:
        return False
    try:
        send_mail(_subject(subject), body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        logger.exception("mail « %s » to %d recipient(s) not sent", subject, len(recipients))
        return False
    return True


def handler_emails(collection: Collection) -> list[str]:
    """Who is told of a new request: the organisation's agents who answer them, the service."""
    emails = set()
    if collection.organisation_id:
        members = (
            users_with(CONTRIBUTE)
            .filter(organisation_id=collection.organisation_id)
            .exclude(email="")
            .prefetch_related("groups")
        )
        emails.update(u.email for u in members if can_answer_handoffs(u, collection))
    if collection.contact_email:
        emails.add(collection.contact_email)
    return sorted(emails)


def reply_address(handoff: HandoffRequest) -> str:
    """Where the answer goes: an e-mail in the contact given, else the requester's account."""
    found = _EMAIL_IN_TEXT.search(handoff.contact or "")
    candidate = found.group(0) if found else getattr(handoff.requester, "email", "") or ""
    try:
        validate_email(candidate)
    except ValidationError:
        return ""
    return candidate


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def notify_handlers(handoff: HandoffRequest) -> None:
    collection = handoff.collection
    _send(
        f"Nouvelle demande : {collection.name}",
        "Une question a été transmise à un agent depuis l'assistant.\n\n"
        f"Collection : {collection.name}\n"
        f"Question : {handoff.question}\n"
        + (f"Coordonnées laissées : {handoff.contact}\n" if handoff.contact else "")
        + f"\nRépondre : {_site(reverse('assistant:handoffs'))}\n",
        handler_emails(collection),
    )


def send_answer(handoff: HandoffRequest) -> None:
    address = reply_address(handoff)
    sent = _send(
        "Réponse à votre question",
        "Bonjour,\n\nVous avez posé cette question :\n"
        f"« {handoff.question} »\n\n"
        f"Réponse du service « {handoff.collection.contact_service or handoff.collection.name} » :\n"
        f"{handoff.response}\n\n"
        "La réponse est aussi affichée dans votre conversation avec l'assistant.\n",
        [address] if address else [],
    )
    if sent:
        HandoffRequest.objects.filter(pk=handoff.pk).update(response_sent_to=address)


def create_handoff(
    collection: Collection, question: str, contact: str = "", requester=None, exchange=None
) -> HandoffRequest:
    handoff = HandoffRequest.objects.create(
        collection=collection,
        exchange=exchange,
        requester=requester if getattr(requester, "is_authenticated", False) else None,
        contact=contact.strip(),
        question=mask_personal_data(question),
    )
    transaction.on_commit(lambda: notify_handlers(handoff))
    return handoff


def answer_handoff(handoff: HandoffRequest, response: str, user) -> HandoffRequest:
    handoff.response = response.strip()
    handoff.state = HandoffState.ANSWERED
    handoff.answered_by = user
    handoff.answered_at = timezone.now()
    handoff.save()
    transaction.on_commit(lambda: send_answer(handoff))
    return handoff


def answerable_collections(user) -> list[Collection]:
    return [c for c in Collection.objects.all() if can_answer_handoffs(user, c)]


def handoffs_for(user):
    """The requests this user may read and answer (none for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return HandoffRequest.objects.none()
    return HandoffRequest.objects.filter(collection__in=answerable_collections(user))


def open_count(request) -> int:
    """The number beside "Demandes" in the menu (core NavEntry.count)."""
    user = request.user
    if not has_capability(user, CONTRIBUTE):
        return 0
    return handoffs_for(user).filter(state=HandoffState.OPEN).count()
