"""Ending a member's sign-ins: every phone token and every browser session, at once.

Called when a password changes (``User.save``) and when a member is deactivated
(``services/members.member_set_active``). Phone tokens are deleted (the token cache forgets each on
delete, ``field_api.authentication``); the phone app then asks for the password again and keeps its
queue. Browser sessions need no row-by-row search of the session table: each session carries a hash
of the password it was opened with, and Django ends any session whose hash no longer matches on its
next request (a deactivated member is refused by the authentication backend the same way).
"""

from knox.models import get_token_model


def sign_ins_end(*, user) -> None:
    get_token_model().objects.filter(user=user).delete()
