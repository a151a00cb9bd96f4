from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def matrix_page(request: HttpRequest) -> HttpResponse:
    return render(request, "matrix/matrix_page.html", {})
