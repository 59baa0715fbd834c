"""DRF's side of the comparison: ``users/me`` behind ``TokenAuthentication``.

It returns the very dict that the app's ``users/me`` returns, so the two differ only in how
the request is authenticated and rendered.
"""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zulip_apikey.lib.user_dict import get_own_user_dict


class DRFUsersMe(APIView):
    authentication_classes = [TokenAuthentication]  # noqa: RUF012 (DRF's class attribute)
    permission_classes = [IsAuthenticated]  # noqa: RUF012

    def get(self, request: Request) -> Response:
        user = request.user
        assert user.is_authenticated  # IsAuthenticated let the request in
        return Response({"result": "success", "msg": "", **get_own_user_dict(user)})
