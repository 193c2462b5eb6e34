"""What a sandbox instance is configured with: limits, long poll, Callback API, faults, seeding."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class FaultConfig:
    """Fault injection, off by default. Shares are probabilities in [0, 1] per API call.

    Benchmarks and reliability tests turn these on to see that clients retry correctly.
    """

    error10_share: float = 0.0
    error6_share: float = 0.0
    # Error 9 "Flood control" for the whole call, as VK answers a token that sends too much.
    error9_share: float = 0.0
    hang_share: float = 0.0
    # Answered HTTP 500 with an HTML page instead of JSON, as VK's front does when the API
    # behind it is down.
    http500_share: float = 0.0
    # A hanging call answers error 10 after this long, which is past any sane client timeout.
    hang_seconds: float = 30.0
    longpoll_failed_share: float = 0.0
    longpoll_failed_codes: tuple[int, ...] = (1, 2, 3)
    # Error 9 for one recipient of a community's messages.send (VK's answer when too many
    # messages go to one peer): a share of recipients, and peers that always get it. With
    # peer_ids that recipient's item carries code 9 and the others are delivered; with one peer
    # the whole call answers 9.
    peer_error9_share: float = 0.0
    flood_peers: tuple[int, ...] = ()
    seed: int | None = None

    def validate(self) -> None:
        for name in (
            "error10_share",
            "error6_share",
            "error9_share",
            "hang_share",
            "http500_share",
            "longpoll_failed_share",
            "peer_error9_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        call_shares = (
            self.error10_share
            + self.error6_share
            + self.error9_share
            + self.hang_share
            + self.http500_share
        )
        if call_shares > 1.0:
            raise ValueError(
                "error10_share + error6_share + error9_share + hang_share + http500_share "
                "must not exceed 1"
            )
        if self.hang_seconds < 0:
            raise ValueError("hang_seconds must not be negative")
        if any(isinstance(peer, bool) or not isinstance(peer, int) for peer in self.flood_peers):
            raise ValueError("flood_peers must be a list of peer ids (integers)")
        if not self.longpoll_failed_codes or any(
            code not in (1, 2, 3) for code in self.longpoll_failed_codes
        ):
            raise ValueError("longpoll_failed_codes must be a non-empty subset of 1, 2, 3")


@dataclass(slots=True)
class SandboxConfig:
    # ":memory:" keeps everything in memory and persists nothing.
    db: str = ":memory:"
    # VK answers error 6 beyond this many requests per second per token; None disables the limit.
    # A community's token may make 20 a second, a user's 3 (VK's limits).
    rate_limit: float | None = 20.0
    user_rate_limit: float | None = 3.0
    # Address clients use to reach us; defaults to the origin of each request.
    public_url: str | None = None
    # Times in the web chat are shown in this zone.
    timezone: str = "Europe/Moscow"

    # Bots Long Poll.
    longpoll_history: int = 10_000
    longpoll_max_batch: int = 1_000
    longpoll_max_wait_s: int = 90
    # VK keys expire after a few hours; the client then gets failed=2 and asks for a new one.
    longpoll_key_ttl_s: float = 3 * 3600

    # VK remembers random_id for an hour, per sender and peer.
    dedupe_window_s: float = 3600
    # A callback button's event may be answered for a minute.
    event_answer_ttl_s: float = 60

    # Files uploaded for messages (docs.getMessagesUploadServer, photos.getMessagesUploadServer):
    # VK takes documents up to 200 MB and photos up to 50 MB; tests make these smaller.
    max_doc_bytes: int = 200 * 1024 * 1024
    max_photo_bytes: int = 50 * 1024 * 1024

    # Callback API: VK's retry schedule after an answer other than "ok".
    callback_retry_delays_s: tuple[float, ...] = (10, 180, 600, 1800, 3600)
    callback_timeout_s: float = 5.0
    callback_max_retry_after_s: float = 3600

    # Persistence: write-behind every flush_interval_s and at shutdown.
    flush_interval_s: float = 1.0
    # Background tasks (callback delivery, flushing, pruning). Tests with a ManualClock turn them
    # off and call SandboxRuntime.tick() themselves so nothing happens behind their back.
    background_tasks: bool = True
    tick_interval_s: float = 0.25

    # Seeding at start-up (idempotent: existing communities and users are kept).
    seed_demo: bool = False
    communities: tuple[str, ...] = ()
    # Created when there is no community at all after loading and seeding (the CLI sets it).
    default_community: str | None = None

    faults: FaultConfig = field(default_factory=FaultConfig)

    def validate(self) -> None:
        for name in ("rate_limit", "user_rate_limit"):
            limit = getattr(self, name)
            if limit is not None and limit <= 0:
                raise ValueError(f"{name} must be positive (or None for no limit)")
        if self.longpoll_history < 1 or self.longpoll_max_batch < 1:
            raise ValueError("longpoll_history and longpoll_max_batch must be positive")
        if not 1 <= self.longpoll_max_wait_s <= 90:
            raise ValueError("longpoll_max_wait_s must be between 1 and 90")
        if not self.callback_retry_delays_s:
            raise ValueError("callback_retry_delays_s must not be empty")
        self.faults.validate()
