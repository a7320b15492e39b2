"""What every page's shell (templates/base.html) needs: the person's navigation and which item is open."""

from backend.navigation import active_key, nav_items


def shell(request) -> dict:
    items = nav_items(user=getattr(request, "user", None))
    return {"nav_items": items, "nav_active": active_key(items, request.path)}
