"""Pages of the writing help. Published deliberations are public; the tools need `assistant.manage`;
a draft is read by its organisation's members with that capability, a job by its author only
(permissions.py)."""

from __future__ import annotations

import io
import tempfile
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from territoria.assistant.services.traceability import measure
from territoria.core.templatetags.french import accord, count_words
from territoria.redaction import permissions
from territoria.redaction.forms import (
    AdoptForm,
    DraftForm,
    ImportForm,
    NewDraftForm,
    SelectionForm,
    SummaryForm,
    TemplateForm,
    TextForm,
)
from territoria.redaction.models import (
    ActDraft,
    ActTemplate,
    Deliberation,
    DraftState,
    JobKind,
    WritingJob,
)
from territoria.redaction.search import NAMESPACE
from territoria.redaction.services import exports, readability
from territoria.redaction.services.acts import check_act, render_markdown
from territoria.redaction.services.drafting import prefill, similar_deliberations
from territoria.redaction.services.jobs import create_job
from territoria.redaction.services.scdl import (
    SUBJECTS,
    SCDLError,
    draft_row,
    extract_texts_zip,
    import_file,
    write_csv,
)
from territoria.redaction.services.texts import InputError, read_upload
from territoria.search import PUBLIC, get_index

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def home_context(request) -> dict:
    return {
        "deliberations": Deliberation.objects.count(),
        "can_write": permissions.can_write(request.user),
    }


# --- published deliberations (public) ------------------------------------------------------
def deliberations(request):
    q = (request.GET.get("q") or "").strip()[:300]
    mode = (
        request.GET.get("mode")
        if request.GET.get("mode") in ("hybrid", "lexical", "dense")
        else "hybrid"
    )
    queryset = Deliberation.objects.all()
    order = None
    if q:
        hits = get_index().search(NAMESPACE, q, [PUBLIC], limit=100, mode=mode, snippet_chars=0)
        order = [uuid.UUID(h.key) for h in hits]
        queryset = queryset.filter(pk__in=order)
    filters = {
        "year": request.GET.get("annee", ""),
        "subject": request.GET.get("matiere", ""),
        "vote": request.GET.get("vote", ""),
    }
    if filters["year"].isdigit():
        queryset = queryset.filter(date__year=int(filters["year"]))
    if filters["subject"] in SUBJECTS:
        queryset = queryset.filter(subject_code=filters["subject"])
    if filters["vote"] == "unanimite":
        queryset = queryset.filter(vote_pour__isnull=False, vote_contre=0, vote_abstention=0)
    elif filters["vote"] == "abstentions":
        queryset = queryset.filter(vote_contre=0, vote_abstention__gt=0)
    elif filters["vote"] == "opposition":
        queryset = queryset.filter(vote_contre__gt=0)
    elif filters["vote"] == "non_renseigne":
        queryset = queryset.filter(vote_pour__isnull=True)
    facets = {
        "years": queryset.values_list("date__year").annotate(n=Count("pk")).order_by("-date__year"),
        "subjects": queryset.values_list("subject_code")
        .annotate(n=Count("pk"))
        .order_by("subject_code"),
        "votes": [
            (
                "unanimite",
                "Unanimité",
                queryset.filter(vote_pour__isnull=False, vote_contre=0, vote_abstention=0).count(),
            ),
            (
                "abstentions",
                "Sans voix contre, avec abstentions",
                queryset.filter(vote_contre=0, vote_abstention__gt=0).count(),
            ),
            ("opposition", "Avec des voix contre", queryset.filter(vote_contre__gt=0).count()),
            (
                "non_renseigne",
                "Vote non renseigné",
                queryset.filter(vote_pour__isnull=True).count(),
            ),
        ],
    }
    rows = list(queryset)
    if order is not None:
        position = {pk: i for i, pk in enumerate(order)}
        rows.sort(key=lambda d: position.get(d.pk, 0))
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "redaction/deliberations.html",
        {
            "q": q,
            "mode": mode,
            "page": page,
            "total": len(rows),
            "facets": facets,
            "filters": filters,
            "subjects": SUBJECTS,
            "can_write": permissions.can_write(request.user),
        },
    )


def deliberation_detail(request, pk):
    deliberation = get_object_or_404(Deliberation, pk=pk)
    return render(request, "redaction/deliberation.html", {"d": deliberation})


@login_required
def import_deliberations(request):
    permissions.require_write(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        texts = form.cleaned_data.get("texts")
        try:
            with tempfile.TemporaryDirectory() as folder:
                if texts is not None:
                    extract_texts_zip(texts.read(), Path(folder))
                result = import_file(
                    upload.read(),
                    upload.name,
                    form.cleaned_data["mapping"],
                    texts_dir=Path(folder) if texts is not None else None,
                )
        except SCDLError as error:
            errors = error.errors[:50]
        except InputError as error:
            form.add_error("texts", str(error))
        else:
            added = count_words(result.created, "délibération|f")
            updated = count_words(result.updated, "délibération|f")
            with_text = count_words(result.texts, "texte")
            messages.success(
                request,
                f"Import terminé : {added} ajoutée{accord(result.created)}, {updated} mise"
                f"{accord(result.updated)} à jour, {with_text} d'acte lu{accord(result.texts)}.",
            )
            for warning in result.warnings[:20]:
                messages.warning(request, warning)
            return redirect("redaction:deliberations")
    return render(request, "redaction/import.html", {"form": form, "errors": errors})


# --- the tools (assistant.manage) --------------------------------------------------------------
@login_required
def index(request):
    permissions.require_write(request.user)
    drafts = permissions.drafts_for(request.user)[:20]
    jobs = WritingJob.objects.filter(author=request.user)[:20]
    return render(
        request, "redaction/index.html", {"drafts": drafts, "jobs": jobs, "form": NewDraftForm()}
    )


@login_required
def new_draft(request):
    permissions.require_write(request.user)
    form = NewDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.organisation_id is None:
            messages.error(
                request,
                "Votre compte n'est rattaché à aucune organisation : impossible de créer un projet.",
            )
            return redirect("redaction:index")
        title = form.cleaned_data["title"]
        with measure() as cost:
            similar = similar_deliberations(title)
            act, provenance = prefill(title, similar)
        code = form.cleaned_data["subject_code"] or (
            similar[0].deliberation.subject_code if similar else ""
        )
        draft = ActDraft.objects.create(
            organisation=request.user.organisation,
            author=request.user,
            title=title,
            date=form.cleaned_data["date"],
            subject_code=code,
            subject_name=SUBJECTS.get(code, ""),
            visas=act.visas,
            considerants=act.considerants,
            articles=act.articles,
            provenance=[{"similar": [s.as_dict() for s in similar]}] + provenance,
            latency_ms=cost.latency_ms,
            energy_wh=cost.energy_wh,
        )
        draft.checks = _checks(request.user, draft)
        draft.save(update_fields=["checks"])
        return redirect(draft)
    return render(request, "redaction/index.html", {"form": form, "drafts": [], "jobs": []})


def _checks(user, draft) -> list[dict]:
    """The draft's checks; the articles it cites are looked up in the codes the user may read
    among the assistant's collections (services/legal_sources.py), and the page says which."""
    from territoria.redaction.services.legal_sources import legal_sources

    sources = legal_sources(user)
    checks = [c.as_dict() for c in check_act(draft.as_act(), [s.text for s in sources])]
    if sources:
        names = ", ".join(f"« {s.title} » ({s.collection})" for s in sources)
        message = f"Existence des articles de code vérifiée dans : {names}."
    else:
        message = (
            "Existence des articles non vérifiée : aucun texte de code dans les collections de "
            "l'assistant que vous pouvez lire (seule leur forme l'est)."
        )
    checks.append({"code": "sources", "ok": True, "message": message, "part": "visas"})
    return checks


@login_required
def draft_detail(request, pk):
    draft = permissions.get_draft(request.user, pk)
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            for name in (
                "title",
                "body",
                "date",
                "subject_code",
                "visas",
                "considerants",
                "articles",
                "vote_effectif",
                "vote_reel",
                "vote_pour",
                "vote_contre",
                "vote_abstention",
            ):
                setattr(draft, name, data[name])
            draft.subject_name = SUBJECTS.get(draft.subject_code, "")
            draft.checks = _checks(request.user, draft)
            draft.save()
            messages.success(request, "Projet enregistré et vérifié.")
            return redirect(draft)
    else:
        form = DraftForm(
            initial={
                name: getattr(draft, name)
                for name in (
                    "title",
                    "body",
                    "date",
                    "subject_code",
                    "visas",
                    "considerants",
                    "articles",
                    "vote_effectif",
                    "vote_reel",
                    "vote_pour",
                    "vote_contre",
                    "vote_abstention",
                )
            }
        )
    similar = (
        draft.provenance[0].get("similar", [])
        if draft.provenance and "similar" in draft.provenance[0]
        else []
    )
    cited = [p for p in draft.provenance if "part" in p]
    failed = [c for c in draft.checks if not c["ok"]]
    return render(
        request,
        "redaction/draft.html",
        {
            "draft": draft,
            "form": form,
            "similar": similar,
            "cited": cited,
            "failed": failed,
            "passed": [c for c in draft.checks if c["ok"]],
            "templates": ActTemplate.objects.filter(organisation=draft.organisation),
            "adopt_form": AdoptForm(),
            "preview": render_markdown(draft.as_act()),
        },
    )


@login_required
@require_POST
def adopt_draft(request, pk):
    draft = permissions.get_draft(request.user, pk)
    form = AdoptForm(request.POST)
    if form.is_valid():
        draft.delib_id = form.cleaned_data["delib_id"]
        draft.state = DraftState.ADOPTED
        draft.save()
        messages.success(
            request,
            "Délibération marquée adoptée : elle figure dans le jeu de données SCDL de l'open data.",
        )
    return redirect(draft)


@login_required
def export_draft(request, pk, fmt):
    draft = permissions.get_draft(request.user, pk)
    act = draft.as_act()
    name = f"deliberation-{str(draft.pk)[:8]}"
    template = None
    if request.GET.get("modele"):
        found = ActTemplate.objects.filter(
            organisation=draft.organisation, pk=_uuid_or_none(request.GET["modele"])
        ).first()
        if found is None:
            raise Http404
        if found.format != fmt:
            messages.error(
                request, f"Le modèle « {found.name} » est au format {found.format.upper()}."
            )
            return redirect(draft)
        template = bytes(found.content)
    try:
        if fmt == "docx":
            return _download(exports.act_docx(act, template), f"{name}.docx", DOCX)
        if fmt == "odt":
            return _download(exports.act_odt(act, template), f"{name}.odt", ODT)
    except exports.TemplateError as error:
        messages.error(request, str(error))
        return redirect(draft)
    if fmt == "md":
        return _download(
            render_markdown(act).encode(), f"{name}.md", "text/markdown; charset=utf-8"
        )
    if fmt == "scdl":
        out = io.StringIO()
        write_csv([draft_row(draft)], out)
        return _download(out.getvalue().encode(), f"{name}-scdl.csv", "text/csv; charset=utf-8")
    raise Http404


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def templates_view(request):
    permissions.require_write(request.user)
    if request.user.organisation_id is None:
        raise Http404
    form = TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        fmt = Path(upload.name).suffix.lower().lstrip(".")
        if fmt not in ("docx", "odt"):
            form.add_error("file", "Format attendu : DOCX ou ODT.")
        else:
            content = upload.read()
            try:
                found = exports.template_placeholders(content, fmt)
            except exports.TemplateError as error:
                form.add_error("file", str(error))
            else:
                ActTemplate.objects.create(
                    organisation=request.user.organisation,
                    name=form.cleaned_data["name"],
                    format=fmt,
                    content=content,
                    placeholders=found,
                )
                messages.success(request, "Modèle enregistré.")
                return redirect("redaction:templates")
    templates = ActTemplate.objects.filter(organisation=request.user.organisation)
    return render(
        request,
        "redaction/templates.html",
        {"form": form, "templates": templates, "placeholders": exports.PLACEHOLDERS},
    )


# --- writing jobs ----------------------------------------------------------------------------
TOOLS = {
    "minutes": (
        JobKind.MINUTES,
        TextForm,
        "Compte rendu de réunion",
        "Des notes ou une transcription deviennent un compte rendu structuré : présents, points, décisions, actions avec responsable et échéance.",
    ),
    "summary": (
        JobKind.SUMMARY,
        SummaryForm,
        "Synthèse d'un document",
        "Les phrases les plus représentatives du document, à la longueur choisie, chacune reliée à sa place dans la source.",
    ),
    "plain": (
        JobKind.PLAIN,
        TextForm,
        "Langage clair",
        "Un rapport de lisibilité et des suggestions à accepter ou refuser une à une.",
    ),
}


@login_required
def tool(request, name):
    permissions.require_write(request.user)
    if name not in TOOLS:
        raise Http404
    kind, form_class, heading, intro = TOOLS[name]
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data.get("text") or ""
            upload = form.cleaned_data.get("file")
            if upload is not None:
                text = _read_uploaded(upload)
            if name == "minutes":
                from territoria.redaction.services.transcript import check_transcript

                check_transcript(text)
            options = (
                {"max_words": form.cleaned_data["max_words"]}
                if "max_words" in form.cleaned_data
                else {}
            )
            with transaction.atomic():
                job = create_job(
                    request.user, kind, text, form.cleaned_data.get("title") or "", **options
                )
        except InputError as error:
            form.add_error(None, str(error))
        else:
            return redirect(job)
    return render(
        request,
        "redaction/tool.html",
        {"form": form, "heading": heading, "intro": intro, "name": name},
    )


@login_required
def summary_selection(request):
    """A summary of several documents of one assistant collection the agent may read; a
    collection it may not read is a 404, a document outside the collection is refused."""
    from territoria.redaction.services import selection

    permissions.require_write(request.user)
    slug = (request.POST.get("collection") or request.GET.get("collection") or "").strip()
    collection = selection.readable_collection(request.user, slug) if slug else None
    if slug and collection is None:
        raise Http404
    form = None
    if collection is not None:
        form = SelectionForm(request.POST or None, collection=collection)
        if request.method == "POST" and form.is_valid():
            documents = list(form.cleaned_data["documents"].select_related("collection"))
            try:
                built = selection.build(request.user, documents)
                count = len(documents)
                title = form.cleaned_data["title"] or (
                    f"{collection.name} ({count} document{'s' if count > 1 else ''})"
                )
                with transaction.atomic():
                    job = create_job(
                        request.user,
                        JobKind.SUMMARY,
                        built.text,
                        title,
                        max_words=form.cleaned_data["max_words"],
                        **built.as_options(),
                    )
            except InputError as error:
                form.add_error(None, str(error))
            else:
                return redirect(job)
    return render(
        request,
        "redaction/selection.html",
        {
            "collections": selection.readable_collections(request.user),
            "collection": collection,
            "form": form,
        },
    )


def _read_uploaded(upload) -> str:
    suffix = Path(upload.name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"document{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return read_upload(path)


@login_required
def job_detail(request, pk):
    job = permissions.get_job(request.user, pk)
    context = {"job": job}
    if job.kind == JobKind.PLAIN and job.state == "done":
        context.update(_plain_context(job, request.GET.getlist("accepter")))
    template = (
        "redaction/_job_status.html" if request.headers.get("HX-Request") else "redaction/job.html"
    )
    return render(request, template, context)


def _plain_context(job: WritingJob, accepted_ids: list[str]) -> dict:
    report = readability.report(job.source_text)
    accepted = set(accepted_ids)
    context = {"report": report, "accepted": accepted}
    if accepted:
        rewritten = readability.apply_suggestions(job.source_text, report.suggestions, accepted)
        context["rewritten"] = rewritten
        context["after"] = readability.report(rewritten)
        context["lost"] = readability.kept_items(job.source_text, rewritten)
    return context


@login_required
def export_job(request, pk, fmt):
    job = permissions.get_job(request.user, pk)
    if job.state != "done":
        raise Http404
    if job.kind == JobKind.PLAIN:
        report = readability.report(job.source_text)
        markdown = readability.apply_suggestions(
            job.source_text, report.suggestions, set(request.GET.getlist("accepter"))
        )
    else:
        markdown = job.result.get("markdown", "")
    title = job.title or job.get_kind_display()
    name = f"{job.kind}-{str(job.pk)[:8]}"
    if fmt == "md":
        return _download(markdown.encode(), f"{name}.md", "text/markdown; charset=utf-8")
    if fmt == "docx":
        return _download(exports.markdown_docx(markdown, title), f"{name}.docx", DOCX)
    if fmt == "odt":
        return _download(exports.markdown_odt(markdown, title), f"{name}.odt", ODT)
    raise Http404
