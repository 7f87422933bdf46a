from django.conf import settings


def navigation(request):
    """Values every page's layout needs: the menu's current section and the languages."""
    match = getattr(request, "resolver_match", None)
    section = (match.namespace or match.url_name) if match else ""
    return {"LANGUAGE_CHOICES": settings.LANGUAGES, "nav_section": section}
