"""Staff pages of the care cards (/cards/): lists, batch issue, a card with its preview, revoke
and re-issue, and the PDFs. Views parse input, call one service or selector, and render; every
read is scoped (regions.scoping) and the route map (jiuzhu.access) says who may use each page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.access import permission_for
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import villages_for_user
from registry.selectors import household_get

from . import printing, selectors, services
from .forms import BatchForm, ReasonForm
from .models import Card


def public_url(request: HttpRequest, token: str) -> str:
    """The absolute URL the QR code holds, on the host the staff member is using."""
    return request.build_absolute_uri(reverse("card_public:card", kwargs={"token": token}))


def may(user: Any, route: str) -> bool:
    """Whether to offer a button; the route map itself enforces it (jiuzhu.access)."""
    rule = permission_for(route)
    roles = rule.get("POST", frozenset()) if isinstance(rule, dict) else rule
    return bool(user.is_superuser or (roles and getattr(user, "role", "") in roles))


def _query_string(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return f"{query}&" if query else ""


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# -- lists --------------------------------------------------------------------------------------

@require_GET
def card_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = selectors.CardFilter(village=g.get("village", ""), delivered=g.get("delivered", ""),
                                   state=g.get("state", ""))
    page = CachedCountPaginator(selectors.card_list(request.user, filters), settings.PAGE_SIZE)
    context = {"page_obj": page.get_page(g.get("page")), "filters": filters,
               "villages": villages_for_user(request.user), "query": _query_string(request),
               "can_manage": may(request.user, "cards:batch_create")}
    template = "cards/_card_table.html" if _partial(request) else "cards/card_list.html"
    return render(request, template, context)


@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    village = request.GET.get("village", "")
    page = CachedCountPaginator(selectors.batch_list(request.user, village), settings.PAGE_SIZE)
    context = {"page_obj": page.get_page(request.GET.get("page")), "village": village,
               "villages": villages_for_user(request.user), "query": _query_string(request),
               "can_manage": may(request.user, "cards:batch_create")}
    template = "cards/_batch_table.html" if _partial(request) else "cards/batch_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def batch_create(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, user=request.user,
                     initial={"village": request.GET.get("village", "")})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.card_batch_issue(actor=request.user,
                                              village_code=form.cleaned_data["village"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已为%(n)s户家庭制作联系卡") % {"n": batch.cards_issued})
            return redirect("cards:batch_detail", batch_id=batch.pk)
    return render(request, "cards/batch_create.html", {"form": form})


@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get(request.user, batch_id)
    cards = selectors.card_list(request.user, selectors.CardFilter(batch=str(batch.pk)))
    page = CachedCountPaginator(cards, settings.PAGE_SIZE)
    context = {"batch": batch, "page_obj": page.get_page(request.GET.get("page")), "query": ""}
    template = "cards/_card_table.html" if _partial(request) else "cards/batch_detail.html"
    return render(request, template, context)


# -- PDFs ---------------------------------------------------------------------------------------

def _sheet(request: HttpRequest, cards: QuerySet[Card], title: str, filename: str,
           back: str) -> HttpResponse:
    contents = selectors.card_contents(cards, lambda token: public_url(request, token))
    if not contents:
        messages.error(request, _("没有可打印的有效联系卡"))
        return redirect(back)
    return _pdf_response(printing.sheet_pdf(contents, title), filename)


@require_GET
def batch_pdf(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get(request.user, batch_id)
    return _sheet(request, selectors.printable_cards(batch.cards.all()),
                  _("%(village)s联系卡（批次%(n)s）") % {"village": batch.village.name, "n": batch.pk},
                  f"cards-batch-{batch.pk}.pdf",
                  reverse("cards:batch_detail", kwargs={"batch_id": batch.pk}))


@require_GET
def sheet_pdf(request: HttpRequest) -> HttpResponse:
    """Every live card of one village, to reprint the village's sheet (writes nothing)."""
    code = request.GET.get("village", "")
    village = villages_for_user(request.user).filter(code=code).first()
    if village is None:
        raise Http404
    return _sheet(request, selectors.village_cards(request.user, village.code),
                  _("%(village)s联系卡") % {"village": village.name}, f"cards-{village.code}.pdf",
                  f"{reverse('cards:card_list')}?village={village.code}")


@require_GET
def card_pdf(request: HttpRequest, card_id: int) -> HttpResponse:
    card = selectors.card_get(request.user, card_id)
    if not card.live:
        raise Http404  # a revoked card is never printed again
    [content] = selectors.card_contents([card], lambda token: public_url(request, token))
    return _pdf_response(printing.card_pdf(content), f"card-{card.pk}.pdf")


# -- one card -----------------------------------------------------------------------------------

def _render_card(request: HttpRequest, card: Card, revoke_form: ReasonForm | None = None,
                 reissue_form: ReasonForm | None = None, status: int = 200) -> HttpResponse:
    [content] = selectors.card_contents([card], lambda token: public_url(request, token))
    return render(request, "cards/card_detail.html", {
        "card": card, "preview": printing.card_context(content), "content": content,
        "can_manage": may(request.user, "cards:card_revoke") and card.live,
        "revoke_form": revoke_form or ReasonForm(prefix="revoke"),
        "reissue_form": reissue_form or ReasonForm(prefix="reissue"),
        "successor": selectors.successor(card),
    }, status=status)


@require_GET
def card_detail(request: HttpRequest, card_id: int) -> HttpResponse:
    return _render_card(request, selectors.card_get(request.user, card_id))


@require_POST
def card_revoke(request: HttpRequest, card_id: int) -> HttpResponse:
    card = selectors.card_get(request.user, card_id)
    form = ReasonForm(request.POST, prefix="revoke")
    if form.is_valid():
        try:
            services.card_revoke(actor=request.user, card=card, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("联系卡已作废，原二维码不再可用"))
            return redirect("cards:card_detail", card_id=card.pk)
    messages.error(request, _("未作废，请按提示修改后重新提交"))
    return _render_card(request, card, revoke_form=form, status=400)


@require_POST
def card_reissue(request: HttpRequest, card_id: int) -> HttpResponse:
    card = selectors.card_get(request.user, card_id)
    form = ReasonForm(request.POST, prefix="reissue")
    if form.is_valid():
        try:
            new = services.card_reissue(actor=request.user, card=card,
                                        reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已补发新卡，原卡作废；请打印新卡送达"))
            return redirect("cards:card_detail", card_id=new.pk)
    messages.error(request, _("未补发，请按提示修改后重新提交"))
    return _render_card(request, card, reissue_form=form, status=400)


@require_POST
def card_issue(request: HttpRequest, household_id: int) -> HttpResponse:
    """One card for one household (from the household page's card section)."""
    household = household_get(request.user, household_id)
    try:
        card = services.card_issue(actor=request.user, household=household)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("registry:household_detail", household_id=household.pk)
    messages.success(request, _("已发放联系卡"))
    return redirect("cards:card_detail", card_id=card.pk)
