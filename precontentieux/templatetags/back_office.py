from django import template

from precontentieux import navigation

register = template.Library()


@register.inclusion_tag("precontentieux/_navigation.html", takes_context=True)
def navigation_back_office(context):
    """Menu latéral du back-office (rôles de l'agent, compteurs des files)."""
    return {"entrees": navigation.entrees(context["request"])}
