from config.navigation import nav_items_for, site_urls, split_menu
from liaison.access import role_of
from projects.access import nav_items_for as project_nav_items_for


def navigation(request):
    urls = {"site_urls": site_urls()}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return urls
    role = role_of(user)
    items = nav_items_for(user)
    # the projects app's entries go before the system administration entry, if any
    cut = next((i for i, item in enumerate(items) if item["name"] == "admin:index"), len(items))
    items[cut:cut] = project_nav_items_for(user)
    items, manage = split_menu(items)
    return {
        **urls,
        "nav_items": items,
        "nav_manage": manage,
        "current_role": role,
        "current_role_label": role.label if role else "",
    }
