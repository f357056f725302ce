"""Several filters at once (they add up, each can be removed), groups in the order asked
for, and a page that says when an aggregation is cut."""

import re
from html import unescape

from django.urls import reverse

OBJECT = "Objet de la subvention"
AMOUNT = "Montant (€)"


def _rows_heading(html: str) -> str:
    return re.search(r"Données <span[^>]*>\(([^)]*)\)", html).group(1)


def test_filters_add_up_and_each_can_be_removed(client, subsidies):
    url = subsidies.get_absolute_url()
    one = client.get(url, {"f_col": OBJECT, "f_op": "exact", "f_val": "Projet jeunesse"})
    html = one.content.decode()
    total_one = int(re.search(r"sur (\d+)", _rows_heading(html)).group(1))
    # The second filter is sent with the first one kept as a hidden field, as the form does.
    two = client.get(
        url,
        {
            f"{OBJECT}__exact": "Projet jeunesse",
            "f_col": AMOUNT,
            "f_op": "gt",
            "f_val": "30000",
        },
    ).content.decode()
    total_two = int(re.search(r"sur (\d+)", _rows_heading(two)).group(1))
    assert 0 < total_two < total_one
    assert f"{OBJECT}__exact=Projet jeunesse" in unescape(two)
    assert f"{AMOUNT}__gt=30000" in unescape(two)
    removals = re.findall(r'<a href="([^"]+)" aria-label="Retirer le filtre ([^"]+)"', two)
    assert len(removals) == 2
    href = unescape({label: link for link, label in removals}[f"{AMOUNT}__gt=30000"])
    back = client.get(url + href).content.decode()
    assert int(re.search(r"sur (\d+)", _rows_heading(back)).group(1)) == total_one


def test_several_triples_in_one_request(client, subsidies):
    html = client.get(
        subsidies.get_absolute_url(),
        {"f_col": [OBJECT, AMOUNT], "f_op": ["exact", "lt"], "f_val": ["Projet jeunesse", "1"]},
    ).content.decode()
    assert re.search(r"sur 0\b", _rows_heading(html))
    assert html.count('aria-label="Retirer le filtre') == 2


def test_api_filters_add_up(api_client, subsidies):
    url = reverse("opendata:api-table-rows", args=[subsidies.table_name])
    all_youth = api_client.get(url, {f"{OBJECT}__exact": "Projet jeunesse"}).json()["total"]
    both = api_client.get(
        url, {f"{OBJECT}__exact": "Projet jeunesse", f"{AMOUNT}__gt": "30000"}
    ).json()
    assert 0 < both["total"] < all_youth
    assert all(r[AMOUNT] > 30000 for r in both["rows"])


def test_aggregation_groups_in_the_order_asked(api_client, subsidies):
    url = reverse("opendata:api-table-aggregate", args=[subsidies.table_name])
    base = {"_group_by": OBJECT, "_agg": "count"}
    down = [r["count"] for r in api_client.get(url, base).json()["rows"]]
    assert down == sorted(down, reverse=True)
    up = [r["count"] for r in api_client.get(url, {**base, "_agg_sort": "value"}).json()["rows"]]
    assert up == sorted(up)
    names = [r[OBJECT] for r in api_client.get(url, {**base, "_agg_sort": "group"}).json()["rows"]]
    assert names == sorted(names)
    bad = api_client.get(url, {**base, "_agg_sort": "zzz"})
    assert bad.status_code == 400 and "Ordre des groupes" in bad.json()["error"]


def test_page_keeps_the_order_and_says_when_groups_are_cut(client, subsidies):
    url = subsidies.get_absolute_url()
    html = client.get(
        url, {"_group_by": "Bénéficiaire", "_agg": "count", "_agg_sort": "group", "_size": "5"}
    ).content.decode()
    assert '<option value="group" selected>' in html
    assert "Résultat tronqué" in html and "5 premiers groupes" in html
    full = client.get(url, {"_group_by": "Bénéficiaire", "_agg": "count"}).content.decode()
    assert "Résultat tronqué" not in full
