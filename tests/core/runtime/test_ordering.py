import asyncio
import random

from core.runtime.ordering import ConversationQueue, conversation_key


async def test_one_conversation_in_order_many_at_once() -> None:
    queue = ConversationQueue(max_active=4)
    seen: dict[int, list[int]] = {}
    running = 0
    peak = 0
    rng = random.Random(7)

    def job(peer: int, n: int):  # type: ignore[no-untyped-def]
        async def run() -> None:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(rng.random() / 1000)
            seen.setdefault(peer, []).append(n)
            running -= 1

        return run

    for n in range(50):
        for peer in range(10):
            await queue.submit(peer, job(peer, n))
    await queue.join()
    assert all(order == list(range(50)) for order in seen.values())
    assert len(seen) == 10
    assert peak <= 4


async def test_a_failing_event_does_not_stop_its_conversation() -> None:
    queue = ConversationQueue(max_active=2)
    done: list[str] = []

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> None:
        done.append("next")

    await queue.submit(1, boom)
    await queue.submit(1, fine)
    await queue.join()
    assert done == ["next"]


async def test_backpressure_bounds_waiting_events() -> None:
    queue = ConversationQueue(max_active=1, max_waiting=3)
    gate = asyncio.Event()

    async def wait() -> None:
        await gate.wait()

    for _ in range(3):
        await queue.submit(1, wait)
    blocked = asyncio.create_task(queue.submit(1, wait))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    gate.set()
    await blocked
    await queue.join()


def test_conversation_key() -> None:
    new = {"type": "message_new", "object": {"message": {"peer_id": 2000000001, "from_id": 5}}}
    press = {"type": "message_event", "object": {"user_id": 5, "peer_id": 5}}
    allow = {"type": "message_allow", "object": {"user_id": 9}}
    assert conversation_key(new) == 2000000001
    assert conversation_key(press) == 5
    assert conversation_key(allow) == 9
