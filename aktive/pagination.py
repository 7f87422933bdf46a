from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404


def page_or_404(paginator: Paginator, number) -> Page:
    """The page asked for; a missing or non-numeric page number is a 404, not an error."""
    try:
        return paginator.page(number or 1)
    except InvalidPage as error:
        raise Http404 from error


class ElidedPaginationMixin:
    """Adds ``page_range`` (1 2 … 7 8 9 … 40) for ``partials/pagination.html``."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if page is not None:
            context["page_range"] = page.paginator.get_elided_page_range(page.number)
        return context
