"""Where the pipeline meets the store: the classifier built from the catalog and stored models.

A :class:`~trustops.listen.classify.Classifier` is costly to build (it embeds every catalog phrase),
so one is kept per process and rebuilt only when the catalog's components or the active models change.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trustops.catalog.models import Component
from trustops.listen.classify import (
    Classifier,
    ComponentHint,
    ComponentModel,
    Evaluation,
    SentimentModel,
)
from trustops.listen.models import ListenModel, Mention, SpikeAlert

TASKS = ("sentiment", "component")

_lock = threading.Lock()
_cached: tuple[object, Classifier] | None = None


def component_hints(session: Session) -> list[ComponentHint]:
    components = session.scalars(select(Component).order_by(Component.position, Component.id))
    return [ComponentHint(id=c.id, name=c.name, phrases=tuple(c.phrases or ())) for c in components]


def active_model(session: Session, task: str) -> ListenModel | None:
    query = select(ListenModel).where(ListenModel.task == task, ListenModel.active).order_by(ListenModel.id.desc())
    return session.scalars(query.limit(1)).first()


def classifier_for(session: Session) -> Classifier:
    """The classifier for the store's current catalog and active models (cached per process)."""
    global _cached
    hints = component_hints(session)
    models = {task: active_model(session, task) for task in TASKS}
    key = (tuple(hints), tuple(m.id if m else None for m in models.values()))
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        sentiment = models["sentiment"]
        component = models["component"]
        built = Classifier(
            hints,
            sentiment=SentimentModel.from_bytes(sentiment.blob) if sentiment else None,
            component=ComponentModel.from_bytes(component.blob) if component else None,
        )
        _cached = (key, built)
        return built


def store_model(
    session: Session,
    task: str,
    model: SentimentModel | ComponentModel,
    *,
    examples: int,
    classes: Sequence[str],
    evaluation: Evaluation | None,
    actor: str,
    now: datetime,
) -> ListenModel:
    """Keep ``model`` as the task's active model; earlier ones stay, inactive, for the record."""
    session.execute(update(ListenModel).where(ListenModel.task == task).values(active=False))
    row = ListenModel(
        task=task,
        created_at=now,
        created_by=actor,
        examples=examples,
        classes=list(classes),
        metrics={} if evaluation is None else {"accuracy": evaluation.accuracy, "macro_f1": evaluation.macro_f1},
        active=True,
        blob=model.to_bytes(),
    )
    session.add(row)
    session.flush()
    return row


def recent_mentions(session: Session, *, limit: int = 25) -> list[Mention]:
    return list(session.scalars(select(Mention).order_by(Mention.published_at.desc(), Mention.id.desc()).limit(limit)))


def recent_spikes(session: Session, *, limit: int = 20) -> list[SpikeAlert]:
    return list(
        session.scalars(select(SpikeAlert).order_by(SpikeAlert.raised_at.desc(), SpikeAlert.id.desc()).limit(limit))
    )
