from django import template

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    """1250 -> "£12.50" (integer arithmetic only)."""
    value = int(pence or 0)
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 100)
    return f"{sign}£{whole:,}.{part:02d}"
