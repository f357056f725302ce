"""The token pages (« Mon jeton d'API » of the register, « Mes clés d'API » of open data):
one view that lists a person's tokens, creates one (shown once) and revokes one."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from territoria.core import tokens
from territoria.core.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Usage du jeton",
        max_length=255,
        help_text="Ex. « Tableur de suivi du service numérique » : pour le reconnaître et le révoquer.",
    )
    scopes = forms.MultipleChoiceField(
        label="Portées",
        widget=forms.CheckboxSelectMultiple,
        help_text="Ce que le jeton permet ; il n'agit jamais au-delà de vos propres droits.",
    )

    def __init__(self, *args, scopes: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = list(scopes.items())


def token_page(request, *, template: str, scopes: list[str], initial: list[str], context=None):
    """GET: the page; POST `create`: a new token, its secret in this response only;
    POST `revoke` + `token`: revokes one of the person's tokens."""
    declared = tokens.declared_scopes()
    offered = {scope: f"{scope} — {declared[scope]}" for scope in scopes if scope in declared}
    form = ApiTokenForm(scopes=offered, initial={"scopes": initial})
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            token = get_object_or_404(ApiToken, pk=request.POST.get("token"), owner=request.user)
            tokens.revoke(token)
            messages.success(request, f"Jeton {token.prefix}… révoqué : il ne fonctionne plus.")
            return redirect(request.path)
        if action != "create":
            messages.error(request, "Action inconnue.")
            return redirect(request.path)
        form = ApiTokenForm(request.POST, scopes=offered)
        if form.is_valid():
            _, new_token = tokens.issue(
                owner=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
            form = ApiTokenForm(scopes=offered, initial={"scopes": initial})
    return render(
        request,
        template,
        {
            **(context or {}),
            "form": form,
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(owner=request.user),
            "scope_labels": declared,
        },
    )
