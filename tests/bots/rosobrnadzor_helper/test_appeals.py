from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bots.rosobrnadzor_helper.appeals import (
    AppealError,
    AppealStore,
    Status,
    extract_links,
    get_appeal,
    list_queue,
    visible_to,
)
from core.clock import ManualClock
from core.people import Identity
from core.runtime.services import Services

from .conftest import identity
from .helpers import make_operator

TEXT = "Завуч требует еженедельный отчёт в Excel, хотя всё есть в электронном журнале."


@pytest.fixture
def store(services: Services, clock: ManualClock) -> AppealStore:
    return AppealStore(services.db, clock)


async def test_teacher_files_an_appeal_due_in_30_days(
    store: AppealStore, services: Services, clock: ManualClock
) -> None:
    teacher = await identity(services, "smirnova")
    appeal = await store.file(
        teacher, category="documents", text=TEXT, links=["https://disk.example/1"], group_id=1
    )
    assert appeal.status == Status.NEW
    assert appeal.person_id == teacher.person.id
    assert appeal.number == f"{clock.now().year}-{appeal.id:05d}"
    assert appeal.due_at == clock.now() + timedelta(days=30)
    assert appeal.links == ("https://disk.example/1",)
    assert [e["kind"] for e in await store.history(appeal.id)] == ["filed"]


@pytest.mark.parametrize("key", ["st00", "pa00", "guest-adult", "guest-minor"])
async def test_only_staff_can_file(store: AppealStore, services: Services, key: str) -> None:
    with pytest.raises(AppealError) as refused:
        await store.file(await identity(services, key), category="other", text=TEXT)
    assert refused.value.reason == "not_staff"
    with pytest.raises(AppealError):
        await store.file(Identity(999_999, None, ()), category="other", text=TEXT)
    assert await list_queue(services.db) == []


async def test_bad_text_and_unknown_category(store: AppealStore, services: Services) -> None:
    teacher = await identity(services, "kuznetsov")
    with pytest.raises(AppealError) as short:
        await store.file(teacher, category="documents", text="помогите")
    assert short.value.reason == "bad_text"
    appeal = await store.file(teacher, category="no-such", text=TEXT)
    assert appeal.category == "other"


async def test_lifecycle_take_answer_rate(store: AppealStore, services: Services) -> None:
    teacher = await identity(services, "smirnova")
    operator = await identity(services, "morozova")
    appeal = await store.file(teacher, category="documents", text=TEXT)
    with pytest.raises(AppealError) as not_operator:
        await store.take(appeal.id, teacher)
    assert not_operator.value.reason == "not_operator"
    taken = await store.take(appeal.id, operator)
    assert taken.status == Status.IN_PROGRESS and taken.operator_id == operator.person.id
    answered = await store.answer(appeal.id, operator, "Такой отчёт не входит в перечень.")
    assert answered.status == Status.ANSWERED and answered.answer
    with pytest.raises(AppealError) as not_author:
        await store.rate(appeal.id, operator, 5)
    assert not_author.value.reason == "not_author"
    with pytest.raises(AppealError):
        await store.rate(appeal.id, teacher, 6)
    closed = await store.rate(appeal.id, teacher, 4)
    assert closed.status == Status.CLOSED and closed.rating == 4 and closed.closed_at
    with pytest.raises(AppealError):
        await store.rate(appeal.id, teacher, 5)
    kinds = [e["kind"] for e in await store.history(appeal.id)]
    assert kinds == ["filed", "taken", "answered", "rated"]


async def test_one_operator_at_a_time_and_release(store: AppealStore, services: Services) -> None:
    teacher = await identity(services, "smirnova")
    operator = await identity(services, "morozova")
    # A second operator: Кузнецов gets the operator position for this test.
    other = await _second_operator(services)
    appeal = await store.file(teacher, category="gia", text=TEXT)
    await store.take(appeal.id, operator)
    assert (await store.take(appeal.id, operator)).status == Status.IN_PROGRESS  # idempotent
    with pytest.raises(AppealError) as taken:
        await store.take(appeal.id, other)
    assert taken.value.reason == "taken"
    with pytest.raises(AppealError):
        await store.answer(appeal.id, other, "Ответ другого оператора")
    released = await store.release(appeal.id, operator)
    assert released.status == Status.NEW and released.operator_id is None
    # Answering a new appeal takes it on the way.
    answered = await store.answer(appeal.id, other, "Ответ")
    assert answered.operator_id == other.person.id


async def test_extension_once_by_at_most_30_days(store: AppealStore, services: Services) -> None:
    teacher = await identity(services, "smirnova")
    operator = await identity(services, "morozova")
    appeal = await store.file(teacher, category="other", text=TEXT)
    for days in (0, 31):
        with pytest.raises(AppealError) as bad:
            await store.extend(appeal.id, operator, days)
        assert bad.value.reason == "bad_days"
    extended = await store.extend(appeal.id, operator, 30)
    assert extended.due_at == appeal.due_at + timedelta(days=30)
    assert extended.extended_days == 30
    with pytest.raises(AppealError) as again:
        await store.extend(appeal.id, operator, 1)
    assert again.value.reason == "extension_used"


async def test_queue_for_the_mini_app(
    store: AppealStore, services: Services, clock: ManualClock
) -> None:
    teacher = await identity(services, "smirnova")
    operator = await identity(services, "morozova")
    first = await store.file(teacher, category="other", text=TEXT)
    clock.advance(timedelta(hours=1))
    second = await store.file(teacher, category="gia", text=TEXT)
    await store.extend(first.id, operator, 10)  # now due later than the second
    queue = await list_queue(services.db)
    assert [a.id for a in queue] == [second.id, first.id]
    assert [a.id for a in await list_queue(services.db, operator_id=operator.person.id)] == [
        first.id
    ]
    await store.answer(second.id, operator, "Ответ")
    assert [a.id for a in await list_queue(services.db)] == [first.id]
    assert [a.id for a in await list_queue(services.db, statuses=(Status.ANSWERED,))] == [second.id]
    found = await get_appeal(services.db, second.id)
    assert found is not None and found.to_json()["status"] == "answered"
    assert await get_appeal(services.db, 12345) is None


def test_extract_links() -> None:
    text = "Приказ: https://school.example/order.pdf, скрин http://x.example/a?b=1). Ещё https://school.example/order.pdf"
    assert extract_links(text) == ["https://school.example/order.pdf", "http://x.example/a?b=1"]
    assert extract_links("ссылок нет") == []


async def _second_operator(services: Services) -> Any:
    await make_operator(services, await identity(services, "kuznetsov"))
    return await identity(services, "kuznetsov")


async def test_the_queue_filters_before_its_limit(
    store: AppealStore, services: Services, clock: ManualClock
) -> None:
    """Appeals other operators took never crowd a new one out of the first ``limit`` rows."""
    teacher = await identity(services, "smirnova")
    operator = await identity(services, "morozova")
    other = await _second_operator(services)
    for _ in range(5):
        taken = await store.file(teacher, category="other", text=TEXT)
        await store.take(taken.id, operator)
    clock.advance(timedelta(days=1))  # the new one is due last
    new = await store.file(teacher, category="gia", text=TEXT)
    shown = await list_queue(services.db, visible_to_operator=other.person.id, limit=3)
    assert [a.id for a in shown] == [new.id]
    mine = await list_queue(services.db, visible_to_operator=operator.person.id, limit=3)
    assert len(mine) == 3 and new.id not in [a.id for a in mine]


async def test_one_visibility_rule(store: AppealStore, services: Services) -> None:
    teacher = await identity(services, "smirnova")
    operator = await identity(services, "morozova")
    other = await _second_operator(services)
    stranger = await identity(services, "lebedeva")  # staff, neither author nor operator
    appeal = await store.file(teacher, category="gia", text=TEXT)
    assert visible_to(appeal, operator) and visible_to(appeal, other)
    assert visible_to(appeal, teacher) and not visible_to(appeal, stranger)
    appeal = await store.take(appeal.id, operator)
    assert visible_to(appeal, operator) and visible_to(appeal, teacher)
    assert not visible_to(appeal, other)
