from django.conf import settings


def navigation(request):
    """Values every page's layout needs: the menu's current section and the languages."""
    match = getattr(request, "resolver_match", None)
    section = (match.namespace or match.url_name) if match else ""
    return {
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        "nav_section": section,
        # A printed page's source line: the portal's own address, never the request's Host.
        "page_address": settings.PORTAL_URL + request.get_full_path(),
    }
