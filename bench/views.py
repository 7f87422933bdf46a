from django.http import HttpResponse


def bare(request):
    """A few bytes through the whole middleware stack: the ceiling for any page (benchmark)."""
    return HttpResponse("ok\n", content_type="text/plain")
