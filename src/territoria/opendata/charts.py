"""Charts rendered on the server as SVG (readable without JavaScript, no CDN): a horizontal
bar chart of an aggregation, with a text alternative."""

from django.utils.html import escape

WIDTH, BAR, GAP, LABEL_W = 640, 22, 6, 200


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", " ").replace(".", ",")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def bar_chart(labels: list, values: list, title: str) -> str:
    pairs = [
        (str(lab) if lab is not None else "(vide)", v)
        for lab, v in zip(labels, values, strict=True)
        if isinstance(v, (int, float))
    ][:30]
    if not pairs:
        return ""
    top = max((abs(v) for _, v in pairs), default=0) or 1
    height = len(pairs) * (BAR + GAP) + GAP
    plot = WIDTH - LABEL_W - 90
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" '
            f'viewBox="0 0 {WIDTH} {height}" width="100%" class="od-chart">'
            f'<title id="chart-title">{escape(title)}</title>'
        )
    ]
    for index, (label, value) in enumerate(pairs):
        y = GAP + index * (BAR + GAP)
        width = max(1, abs(value) / top * plot)
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + BAR * 0.7}" text-anchor="end" '
            f'font-size="12">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{BAR}" class="od-bar">'
            f"<title>{escape(label)} : {escape(_fmt(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{LABEL_W + width + 4:.1f}" y="{y + BAR * 0.7}" font-size="12">'
            f"{escape(_fmt(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
