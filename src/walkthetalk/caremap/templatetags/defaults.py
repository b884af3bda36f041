"""``{{ text|shown }}``: a default level, sector or agreement in the page's language."""

from django import template

from walkthetalk.caremap.defaults import shown as shown_text

register = template.Library()


@register.filter
def shown(text: object) -> str:
    return shown_text(str(text))
