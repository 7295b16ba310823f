from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from integrations.selectors import connections_for_user


@login_required
def connection_list(request):
    return render(request, "wizard/connection_list.html", {"connections": connections_for_user(request.user)})
