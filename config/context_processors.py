from liaison.access import nav_items_for, role_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    return {
        "nav_items": nav_items_for(user),
        "current_role": role,
        "current_role_label": role.label if role else "",
    }
