"""Monthly volumes and indicators of each zone, published on the open-data portal.

The module contract's dataset hook (`EauConfig.datasets`, core/modules.PublishedDataset): the
portal calls `write_monthly_csv` and publishes a new version when the rows changed (after a
network's publication is switched on or off, a SCADA import, a zone renamed, an alert
decided). Only the networks whose service chose to publish (`Network.publish_volumes`, set by
`territoria eau publish-volumes` or the network page's button) are exported: the flows
themselves stay restricted to the organisation.

One row per network, zone and month: volume entering the zone (its declared balance, m³),
hours measured and coverage (gaps are not filled: a month with missing hours says so), mean
flow, mean night flow (01:00–04:00, where leaks show), and the leaks confirmed by an agent.
"""

from __future__ import annotations

import csv
import hashlib

import numpy as np

COLUMNS = [
    "reseau",
    "zone",
    "zone_nom",
    "mois",
    "volume_m3",
    "heures_mesurees",
    "couverture_pct",
    "debit_moyen_m3h",
    "debit_nuit_m3h",
    "fuites_confirmees",
]


def monthly_rows(network) -> list[dict]:
    """The rows of one network (its zones with a declared balance and stored flows)."""
    from territoria.eau.jobs import zone_series
    from territoria.eau.models import AlertStatus

    rows = []
    confirmed = list(
        network.alerts.filter(status__in=[AlertStatus.CONFIRMED, AlertStatus.REPAIRED]).values_list(
            "zone", "raised_at"
        )
    )
    for zone in network.zones.all():
        found = zone_series(network, zone)
        if found is None:
            continue
        times, hourly, _ = found
        months = times.astype("datetime64[M]")
        hours = times.astype("datetime64[h]").astype("int64") % 24
        for month in np.unique(months):
            mask = months == month
            values = hourly[mask]
            measured = np.isfinite(values)
            if not measured.any():
                continue
            total = int(
                ((month + 1).astype("datetime64[h]") - month.astype("datetime64[h]")).astype(int)
            )
            night = values[measured & (hours[mask] >= 1) & (hours[mask] < 4)]
            first = month.astype("datetime64[D]").item()
            rows.append(
                {
                    "reseau": network.name,
                    "zone": zone.code,
                    "zone_nom": zone.name,
                    "mois": first.isoformat(),
                    "volume_m3": round(float(values[measured].sum()), 1),
                    "heures_mesurees": int(measured.sum()),
                    "couverture_pct": round(100 * float(measured.sum()) / total, 1),
                    "debit_moyen_m3h": round(float(values[measured].mean()), 2),
                    "debit_nuit_m3h": round(float(night.mean()), 2) if len(night) else None,
                    "fuites_confirmees": sum(
                        1
                        for code, raised in confirmed
                        if _same_zone(code, zone.code)
                        and (raised.year, raised.month) == (first.year, first.month)
                    ),
                }
            )
    return rows


def _same_zone(alert_zone: str, code: str) -> bool:
    """An alert on a shared balance ("A+B") counts for the zone that carries the balance."""
    return code == alert_zone or code == alert_zone.split("+")[0]


def write_monthly_csv(path):
    """writer(path) -> (rows, sha256) | None, for opendata (core/modules.PublishedDataset)."""
    from territoria.eau.models import Network

    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for network in Network.objects.filter(publish_volumes=True).order_by("name"):
            for row in monthly_rows(network):
                writer.writerow(row)
                count += 1
    if count == 0:
        return None
    with open(path, "rb") as handle:
        return count, hashlib.sha256(handle.read()).hexdigest()
