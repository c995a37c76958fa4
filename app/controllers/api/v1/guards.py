"""Guards of v1 routes: the login check runs before any input is read, as in the original (401 before 400).

`login_required` answers an anonymous caller with 401 `{"error": "Authentication required"}`
(the services check roles); API v2 uses the same guard.
"""

from app.web.current_user import login_required

__all__ = ["login_required"]
