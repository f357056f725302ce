"""Pages of the assistant: chat (agents), public page (citizens), collections and their
documents, hand-off requests, exchange log. Rules come from permissions.py."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from territoria.assistant.forms import (
    AskForm,
    FeedbackForm,
    HandoffAnswerForm,
    HandoffForm,
    UploadForm,
)
from territoria.assistant.models import (
    Collection,
    Document,
    Exchange,
    HandoffRequest,
    HandoffState,
    JobState,
)
from territoria.assistant.permissions import can_answer_handoffs, can_manage, can_read, can_see_log
from territoria.assistant.services.assistant import (
    ask,
    conversations_of,
    public_collections,
    readable_collections,
)
from territoria.assistant.services.masking import mask_personal_data
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
        conversation = (
            conversations_of(request.user, session_key).filter(pk=conversation_id).first()
        )
    exchanges = list(conversation.exchanges.all()) if conversation else []
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
        request_ = form.save(commit=False)
        request_.collection, request_.exchange = collections[0], exchange
        request_.requester = request.user if request.user.is_authenticated else None
        request_.question = mask_personal_data(request_.question)
        request_.save()
        messages.success(
            request, "Votre question a été transmise à un agent. Il vous répondra dès que possible."
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
    readable = readable_collections(request.user)
    rows = [
        {"collection": c, "manage": can_manage(request.user, c), "count": c.documents.count()}
        for c in readable
    ]
    return render(request, "assistant/collections.html", {"rows": rows})


@guarded_upload_page
def collection_detail(request, slug):
    collection = get_object_or_404(Collection, slug=slug)
    if not can_read(request.user, collection):
        raise Http404
    manage = can_manage(request.user, collection)
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
    answerable = [c for c in Collection.objects.all() if can_answer_handoffs(request.user, c)]
    if not answerable:
        raise PermissionDenied
    requests_ = HandoffRequest.objects.filter(collection__in=answerable).select_related(
        "collection", "exchange"
    )
    if request.method == "POST":
        handoff_ = get_object_or_404(requests_, pk=request.POST.get("handoff"))
        form = HandoffAnswerForm(request.POST)
        if form.is_valid():
            handoff_.response = form.cleaned_data["response"]
            handoff_.state, handoff_.answered_by, handoff_.answered_at = (
                HandoffState.ANSWERED,
                request.user,
                timezone.now(),
            )
            handoff_.save()
            messages.success(request, "Réponse enregistrée.")
        return redirect("assistant:handoffs")
    return render(
        request,
        "assistant/handoffs.html",
        {"requests": requests_[:200], "form": HandoffAnswerForm()},
    )


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
