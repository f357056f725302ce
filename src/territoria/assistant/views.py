"""Pages of the assistant: chat (agents), public page (citizens), collections and their
documents, hand-off requests, exchange log. Rules come from permissions.py."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from territoria.assistant.forms import (
    AskForm,
    CollectionForm,
    FeedbackForm,
    HandoffAnswerForm,
    HandoffForm,
    UploadForm,
)
from territoria.assistant.models import (
    Collection,
    Document,
    Exchange,
    HandoffState,
    JobState,
)
from territoria.assistant.permissions import (
    CONTRIBUTE,
    can_administer,
    can_create_collection,
    can_manage,
    can_open,
    can_read,
    can_see_log,
    creatable_organisations,
    get_abilities,
)
from territoria.assistant.services.assistant import (
    ask,
    conversations_of,
    public_collections,
    readable_collections,
)
from territoria.assistant.services.handoffs import (
    answer_handoff,
    create_handoff,
    handoffs_for,
    reply_address,
)
from territoria.assistant.services.ingestion import delete_collection, delete_document
from territoria.assistant.services.sources import document_passages, download_response
from territoria.assistant.services.uploads import save_uploads
from territoria.assistant.tasks import run_ingestion_job
from territoria.assistant.throttling import throttled_page
from territoria.assistant.upload_limits import (
    MB,
    MULTIPART_OVERHEAD,
    guarded_upload_page,
    refused_upload_messages,
)
from territoria.core.roles import has_capability
from territoria.search.access import access_tokens


def _session_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _chat(request, collections, template, public):
    conversation = None
    conversation_id = request.GET.get("conversation") or request.POST.get("conversation")
    session_key = _session_key(request)
    if conversation_id:
        conversation = _own_conversation(request.user, session_key, conversation_id)
        if conversation is None:
            messages.warning(
                request,
                "Cette conversation est introuvable (lien incomplet, ou conversation d'une autre "
                "session) : posez votre question, une nouvelle conversation commence.",
            )
    exchanges = list(conversation.exchanges.prefetch_related("handoffs")) if conversation else []
    # A follow-up question searches the collections the conversation was narrowed to, not all of them.
    initial = {"collections": exchanges[-1].collections} if exchanges else {}
    if request.method == "POST" and (refused := throttled_page(request, "question")):
        return refused
    form = AskForm(request.POST or None, collections=collections, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = [
            c for c in collections if c.slug in form.cleaned_data["collections"]
        ] or collections
        _answer, exchange = ask(
            request.user,
            form.cleaned_data["question"],
            chosen,
            conversation,
            session_key=session_key,
        )
        return redirect(
            f"{request.path}?conversation={exchange.conversation_id}#echange-{exchange.pk}"
        )
    history = conversations_of(request.user, session_key).prefetch_related("exchanges")[:20]
    return render(
        request,
        template,
        {
            "form": form,
            "collections": collections,
            "conversation": conversation,
            "exchanges": exchanges,
            "history": history,
            "public": public,
            "feedback_form": FeedbackForm(),
            "handoff_form": HandoffForm(),
        },
    )


def _own_conversation(user, session_key, conversation_id):
    """The user's (or this browser session's) conversation, None for a malformed or foreign id."""
    try:
        pk = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    return conversations_of(user, session_key).filter(pk=pk).first()


def chat(request):
    if not request.user.is_authenticated:  # citizens land on the public page
        return redirect("assistant:public")
    collections = readable_collections(request.user)
    return _chat(request, collections, "assistant/chat.html", public=False)


def public_chat(request):
    """Citizens' mode: public collections only, anonymous allowed (text counterpart of a callbot)."""
    return _chat(request, public_collections(), "assistant/chat.html", public=True)


@require_POST
def feedback(request, pk):
    exchange = _own_exchange(request, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        exchange.feedback = form.cleaned_data["feedback"]
        exchange.save(update_fields=["feedback", "updated_at"])
        messages.success(request, "Merci pour votre avis.")
    return _redirect_back(request)


@require_POST
def handoff(request, pk):
    if refused := throttled_page(request, "handoff"):
        return refused
    exchange = _own_exchange(request, pk)
    form = HandoffForm(request.POST)
    collections = [
        c
        for c in Collection.objects.filter(slug__in=exchange.collections)
        if can_read(request.user, c)
    ]
    if form.is_valid() and collections:
        create_handoff(
            collections[0],
            form.cleaned_data["question"],
            form.cleaned_data["contact"],
            requester=request.user,
            exchange=exchange,
        )
        messages.success(
            request,
            "Votre question a été transmise à un agent. Sa réponse s'affichera ici, sous votre "
            "question"
            + (
                ", et vous sera envoyée à l'adresse indiquée."
                if "@" in form.cleaned_data["contact"]
                else "."
            ),
        )
    else:
        messages.error(request, "La demande n'a pas pu être transmise : indiquez votre question.")
    return _redirect_back(request)


def _redirect_back(request):
    """Back to the conversation the form came from, if `next` is a page of this site."""
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return redirect(target)
    return redirect("assistant:chat")


def _own_exchange(request, pk) -> Exchange:
    exchange = get_object_or_404(Exchange, pk=pk)
    conversation = exchange.conversation
    if request.user.is_authenticated:
        mine = conversation.user_id == request.user.pk
    else:
        mine = (
            conversation.user_id is None and conversation.session_key == request.session.session_key
        )
    if not mine:
        raise Http404
    return exchange


@login_required
def collections(request):
    readable = {c.pk: c for c in readable_collections(request.user)}
    managed_here = [
        c
        for c in Collection.objects.exclude(pk__in=readable).filter(managed=False)
        if can_manage(request.user, c)
    ]  # a group collection its managers are not members of
    rows = [
        {
            "collection": c,
            "abilities": get_abilities(request.user, c),
            "count": c.documents.count(),
        }
        for c in sorted([*readable.values(), *managed_here], key=lambda c: c.name.lower())
    ]
    return render(
        request,
        "assistant/collections.html",
        {"rows": rows, "can_create": can_create_collection(request.user)},
    )


def _collection_form_page(request, form, collection=None):
    return render(
        request, "assistant/collection_form.html", {"form": form, "collection": collection}
    )


@login_required
def collection_create(request):
    if not can_create_collection(request.user):
        raise PermissionDenied
    form = CollectionForm(request.POST or None, organisations=creatable_organisations(request.user))
    if request.method == "POST" and form.is_valid():
        collection = form.save()
        messages.success(
            request,
            f"Collection « {collection.name} » créée : ajoutez-y des documents.",
        )
        return redirect("assistant:collection", slug=collection.slug)
    return _collection_form_page(request, form)


def _administered(request, slug) -> Collection:
    collection = get_object_or_404(Collection, slug=slug)
    if not can_open(request.user, collection):
        raise Http404
    if not can_administer(request.user, collection):
        raise PermissionDenied
    return collection


@login_required
def collection_edit(request, slug):
    collection = _administered(request, slug)
    form = CollectionForm(
        request.POST or None,
        instance=collection,
        organisations=creatable_organisations(request.user),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            "Collection enregistrée. Si ses lecteurs ont changé, les droits de ses passages "
            "sont mis à jour en arrière-plan.",
        )
        return redirect("assistant:collection", slug=collection.slug)
    return _collection_form_page(request, form, collection)


@login_required
def collection_delete(request, slug):
    collection = _administered(request, slug)
    if request.method == "POST":
        name = collection.name
        delete_collection(collection)
        messages.success(
            request, f"Collection « {name} » supprimée, avec ses documents et ses passages."
        )
        return redirect("assistant:collections")
    return render(
        request,
        "assistant/confirm_delete.html",
        {
            "title": f"Supprimer la collection « {collection.name} »",
            "consequence": (
                f"Ses {collection.documents.count()} document(s), leurs passages et leurs "
                "fichiers seront supprimés ; l'assistant ne pourra plus y chercher. "
                "Les demandes transmises à un agent depuis cette collection seront aussi supprimées."
            ),
            "back": reverse("assistant:collection", args=[collection.slug]),
        },
    )


@login_required
def document_delete(request, pk):
    document = get_object_or_404(Document.objects.select_related("collection"), pk=pk)
    collection = document.collection
    if not can_open(request.user, collection):
        raise Http404
    if not can_administer(request.user, collection):
        raise PermissionDenied
    if request.method == "POST":
        delete_document(document)
        messages.success(request, f"Document « {document} » supprimé, avec ses passages.")
        return redirect("assistant:collection", slug=collection.slug)
    return render(
        request,
        "assistant/confirm_delete.html",
        {
            "title": f"Supprimer le document « {document} »",
            "consequence": (
                f"Il sera retiré de la collection « {collection.name} » : ses passages ne "
                "seront plus cités, son fichier sera effacé."
            ),
            "back": reverse("assistant:collection", args=[collection.slug]),
        },
    )


@guarded_upload_page
def collection_detail(request, slug):
    collection = get_object_or_404(Collection, slug=slug)
    if not can_open(request.user, collection):
        raise Http404
    abilities = get_abilities(request.user, collection)
    manage = abilities["manage"]
    form = UploadForm(request.POST or None, request.FILES or None) if manage else None
    if manage and request.method == "POST":
        for message in refused_upload_messages(request):
            messages.error(request, message)
        if form.is_valid():
            _store_uploads(request, collection, form.uploads(request))
            return redirect("assistant:collection", slug=slug)
    documents = collection.documents.all()
    job = collection.jobs.first()
    in_progress = collection.jobs.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).exists()
    context = {
        "collection": collection,
        "documents": documents,
        "manage": manage,
        "abilities": abilities,
        "waiting_minutes": _waiting_without_worker(job),
        "form": form,
        "job": job,
        "in_progress": in_progress,
        # upload.js splits a larger folder into requests within these limits.
        "upload_max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "upload_max_bytes": settings.ASSISTANT_MAX_UPLOAD_MB * MB - MULTIPART_OVERHEAD,
    }
    template = (
        "assistant/_collection_status.html"
        if request.headers.get("HX-Request")
        else "assistant/collection.html"
    )
    return render(request, template, context)


QUEUE_PATIENCE_S = 60  # a job still queued after this long, with no live worker: say why


def _waiting_without_worker(job) -> int | None:
    """Minutes a queued job has waited when no background worker is alive, else None."""
    if job is None or job.state != JobState.QUEUED:
        return None
    waited = (timezone.now() - job.created_at).total_seconds()
    if waited < QUEUE_PATIENCE_S:
        return None
    from territoria.core.workers import live_worker_ids

    if live_worker_ids():
        return None
    return max(1, round(waited / 60))


def _store_uploads(request, collection, uploads) -> None:
    stored = save_uploads(collection, uploads, request.user)
    for message in stored.refused:
        messages.error(request, message)
    if stored.hidden:
        messages.info(request, f"{stored.hidden} fichier(s) caché(s) ignoré(s).")
    if stored.job:
        run_ingestion_job.enqueue(str(stored.job.pk))
        messages.success(
            request, f"{stored.job.total} fichier(s) reçu(s) : l'indexation est en cours."
        )


def _readable_document(request, pk) -> Document:
    document = get_object_or_404(Document.objects.select_related("collection"), pk=pk)
    if not can_read(request.user, document.collection):
        raise Http404
    return document


def document_view(request, pk):
    """The document's text as indexed, the cited passage (?passage=n) highlighted."""
    document = _readable_document(request, pk)
    try:
        cited = int(request.GET.get("passage", ""))
    except ValueError:
        cited = None
    passages = document_passages(document, access_tokens(request.user), cited)
    return render(
        request,
        "assistant/document.html",
        {
            "document": document,
            "passages": passages,
            "downloadable": bool(document.path) and Path(document.path).is_file(),
        },
    )


def document_file(request, pk):
    """The original file, as a download only (see services/sources.py)."""
    document = _readable_document(request, pk)
    if not document.path or not Path(document.path).is_file():
        raise Http404
    return download_response(document)


@login_required
def handoffs(request):
    """The inbox of hand-off requests of the collections this agent answers for."""
    if not has_capability(request.user, CONTRIBUTE):
        raise PermissionDenied
    requests_ = handoffs_for(request.user).select_related("collection", "exchange", "answered_by")
    if request.method == "POST":
        handoff_ = get_object_or_404(requests_, pk=_uuid_or_404(request.POST.get("handoff")))
        form = HandoffAnswerForm(request.POST)
        if form.is_valid():
            answer_handoff(handoff_, form.cleaned_data["response"], request.user)
            messages.success(
                request,
                "Réponse enregistrée : elle s'affiche dans la conversation de la personne"
                + (" et lui est envoyée par e-mail." if reply_address(handoff_) else "."),
            )
            return redirect(
                f"{reverse('assistant:handoffs')}?etat={HandoffState.ANSWERED}#demande-{handoff_.pk}"
            )
        messages.error(request, "Écrivez une réponse avant de l'envoyer.")
        return redirect(f"{reverse('assistant:handoffs')}#demande-{handoff_.pk}")
    state = request.GET.get("etat", HandoffState.OPEN)
    if state not in HandoffState.values:
        state = HandoffState.OPEN
    counts = {value: requests_.filter(state=value).count() for value in HandoffState.values}
    labels = {HandoffState.OPEN: "À traiter", HandoffState.ANSWERED: "Répondues"}
    tabs = [
        {"state": value, "label": labels[value], "count": counts[value], "current": value == state}
        for value in HandoffState.values
    ]
    return render(
        request,
        "assistant/handoffs.html",
        {
            "requests": requests_.filter(state=state)[:200],
            "tabs": tabs,
            "state": state,
            "form": HandoffAnswerForm(),
        },
    )


def _uuid_or_404(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


@login_required
def exchange_log(request):
    if not can_see_log(request.user):
        raise PermissionDenied
    exchanges = Exchange.objects.select_related("user").order_by("-created_at")[:200]
    return render(
        request,
        "assistant/log.html",
        {"exchanges": exchanges, "retention_days": settings.ASSISTANT_LOG_RETENTION_DAYS},
    )
