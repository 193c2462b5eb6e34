"""Spaced repetition with FSRS: a card per (student, task), reviewed at each answer.

A right answer is rated Good, a wrong one (or "I don't know") Again. Times are always the injected
clock's, passed to ``review_card`` explicitly: the fsrs package would otherwise read the wall clock.

Scheduler choices, and why:
- one learning step of 10 minutes: a new task solved right goes straight to days-long intervals
  (a task solved once is not asked again within the same session), one solved wrong comes back
  after 10 minutes, i.e. later in the same session;
- one relearning step of 10 minutes, for the same reason;
- no fuzzing: it spreads review piles of big decks with randomness, which a set of a few hundred
  exam tasks does not need, and deterministic schedules are explainable to a student.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fsrs import Card, Rating, Scheduler, State

LEARNING_STEP = timedelta(minutes=10)
SCHEDULER = Scheduler(
    learning_steps=(LEARNING_STEP,),
    relearning_steps=(LEARNING_STEP,),
    enable_fuzzing=False,
)
# Cards are identified by (person, task) in storage; fsrs only needs some integer.
_CARD_ID = 1


def utc_text(moment: datetime) -> str:
    """Stored times: UTC, whole seconds, one format, so SQL compares them correctly as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class CardState:
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None

    @classmethod
    def new(cls, now: datetime) -> CardState:
        return cls(State.Learning.value, 0, None, None, now.astimezone(UTC), None)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CardState:
        return cls(
            state=int(row["state"]),
            step=row["step"],
            stability=row["stability"],
            difficulty=row["difficulty"],
            due=parse_utc(row["due"]),
            last_review=parse_utc(row["last_review"]) if row["last_review"] else None,
        )

    def to_card(self) -> Card:
        return Card(
            card_id=_CARD_ID,
            state=State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    @classmethod
    def of_card(cls, card: Card) -> CardState:
        return cls(
            state=int(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due.astimezone(UTC),
            last_review=card.last_review.astimezone(UTC) if card.last_review else None,
        )


def rating_for(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def review(card: CardState, correct: bool, now: datetime) -> CardState:
    """The card after an answer at ``now`` (the injected clock's time, never the wall clock)."""
    # fsrs insists on tzinfo being exactly timezone.utc.
    moment = now.astimezone(UTC).replace(microsecond=0)
    updated, _log = SCHEDULER.review_card(card.to_card(), rating_for(correct), moment)
    return CardState.of_card(updated)
