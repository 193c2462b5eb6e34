"""One channel per VK token: the community's replies and its broadcast sender wait in the same rate
limiter and share one HTTP session, so together they never exceed VK's per-token limit."""

from __future__ import annotations

from pathlib import Path

from core.config import Settings
from core.runtime.community import Community, CommunityConfig
from core.runtime.services import Services
from core.vk.api import ChannelHttpClient
from core.vk.rate_limit import RateLimiter
from core.vk.tokens import TokenChannels

from .test_rate_limit import Simulation

URL = "http://127.0.0.1:9/method/"  # nothing is sent: the calls are simulated
GROUP = 200_000_001
TOKEN = "vk1.a.token-of-the-school"


def test_a_token_has_one_channel_per_api_url() -> None:
    channels = TokenChannels(20, 10)
    first = channels.channel(URL, TOKEN)
    assert channels.channel(URL, TOKEN) is first
    assert channels.channel(URL, "vk1.a.other").limiter is not first.limiter
    assert channels.channel("https://api.vk.ru/method/", TOKEN) is not first
    assert first.limiter.rate == 20 and first.timeout.total == 10


async def test_replies_and_broadcasts_of_a_token_never_exceed_its_limit_together(
    tmp_path: Path,
) -> None:
    sim = Simulation()
    # The process's channels, their limiters on simulated time.
    channels = TokenChannels(
        5, 10, limiter=lambda rate, token: RateLimiter(rate, time=sim.time, sleep=sim.sleep)
    )
    services = await Services.open(
        Settings(db_path=str(tmp_path / "sferum.db"), rate_limit=5), channels=channels
    )
    try:
        community = Community(services, CommunityConfig(GROUP, TOKEN, URL, ()), [])
        sender = services.broadcasts.connect(GROUP, TOKEN, URL)
        assert community.api.limiter is sender.limiter
        http = community.api.http_client
        assert isinstance(http, ChannelHttpClient) and http.channel is sender.channel
        assert http.channel.session() is sender.channel.session()

        # A teacher's replies and a broadcast's execute calls, alternating as they come.
        starts: list[float] = []
        for n in range(60):
            limiter = community.api.limiter if n % 3 else sender.limiter
            starts.append(await sim.start_call(limiter, latency=0.05 + 0.2 * (n % 4)))
        starts.sort()
        for i, moment in enumerate(starts):
            in_window = sum(1 for other in starts[i:] if other < moment + 1.0)
            assert in_window <= 5, (moment, starts)
        await community.close()
    finally:
        await services.close()


async def test_services_close_the_sessions_of_their_channels(tmp_path: Path) -> None:
    services = await Services.open(Settings(db_path=str(tmp_path / "sferum.db")))
    session = services.vk_channels.channel(URL, TOKEN).session()
    sender = services.broadcasts.connect(GROUP, TOKEN, URL)
    assert sender.channel.session() is session
    await services.close()
    assert session.closed
