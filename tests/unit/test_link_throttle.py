"""The bad-link throttle: keyed on an address a client cannot share, bounded, failures only."""

from __future__ import annotations

import pytest

from trustcare.services import links
from trustcare.settings import SettingsError, load_settings


class Clock:
    """A fake monotonic clock the throttle reads through `now=`."""

    def __init__(self) -> None:
        self.now = 1000.0


def fail(throttle: links.BadTokenThrottle, client: str, clock: Clock, times: int) -> list[float]:
    waits = []
    for _ in range(times):
        waits.append(throttle.delay_for(client, now=clock.now))
        throttle.record_failure(client, now=clock.now)
        clock.now += 1
    return waits


def test_without_trusted_proxies_the_socket_address_counts_and_forwarded_for_is_ignored():
    assert links.client_address("203.0.113.9", "1.2.3.4", 0) == "203.0.113.9"
    assert links.client_address("", None, 0) == "unknown"


def test_behind_a_trusted_balancer_the_address_it_saw_counts_not_what_the_client_wrote():
    # The client wrote "6.6.6.6"; the balancer appended the address it saw.
    assert links.client_address("10.0.0.2", "6.6.6.6, 198.51.100.7", 1) == "198.51.100.7"
    assert links.client_address("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9", 2) == (
        "198.51.100.7"
    )
    assert links.client_address("10.0.0.2", None, 1) == "10.0.0.2"


def test_failures_from_one_address_slow_only_that_address_and_expire():
    clock, throttle = Clock(), links.BadTokenThrottle()
    assert fail(throttle, "203.0.113.9", clock, 6) == [0.0, 0.25, 0.5, 1.0, 2.0, 4.0]
    assert throttle.delay_for("198.51.100.7", now=clock.now) == 0.0
    clock.now += 601
    assert throttle.delay_for("203.0.113.9", now=clock.now) == 0.0
    assert throttle.tracked_clients() == 0


def test_addresses_are_not_kept_forever():
    clock, throttle = Clock(), links.BadTokenThrottle(max_clients=50)
    for n in range(200):
        throttle.record_failure(f"192.0.2.{n}", now=clock.now)
        clock.now += 1
    assert throttle.tracked_clients() <= 51
    clock.now += 601
    throttle.record_failure("203.0.113.1", now=clock.now)
    assert throttle.tracked_clients() <= 51


def test_a_flood_of_bad_links_from_many_addresses_slows_every_failure():
    clock, throttle = Clock(), links.BadTokenThrottle(global_limit=20)
    for n in range(20):
        throttle.record_failure(f"192.0.2.{n}", now=clock.now)
    assert throttle.delay_for("198.51.100.99", now=clock.now) == throttle.max_delay
    clock.now += 61
    assert throttle.delay_for("198.51.100.99", now=clock.now) == 0.0


def test_the_trusted_proxy_hops_setting_is_read_and_checked(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")

    def load(**environ: str):
        return load_settings(environ=environ, secrets_path=secrets, var_dir=tmp_path / "var")

    assert load().trusted_proxy_hops == 0
    assert load(TRUSTCARE_TRUSTED_PROXY_HOPS="1").trusted_proxy_hops == 1
    with pytest.raises(SettingsError):
        load(TRUSTCARE_TRUSTED_PROXY_HOPS="many")
