"""The per-subscriber adaptation policy (sfu/adaptation.py): thresholds, hysteresis, hold time,
REMB against the sent bitrate, and the cap by the subscriber's own choice."""

from __future__ import annotations

import pytest

from schoolhub.realtime.sfu.adaptation import (
    LOW_BANDWIDTH,
    PACKET_LOSS,
    RECOVERED,
    AdaptationConfig,
    LinkAdapter,
)
from schoolhub.realtime.sfu.participant import SubscriptionMode as M

CFG = AdaptationConfig(
    bad_loss=0.10,
    good_loss=0.02,
    smoothing=1.0,  # no smoothing: each sample is the loss (clearer thresholds)
    degrade_after=3.0,
    recover_after=10.0,
    hold_after_change=4.0,
)


def feed(adapter: LinkAdapter, start: float, end: float, loss: float, chosen: M = M.ALL) -> list:
    """One receiver report per second from ``start`` to ``end`` inclusive; the changes."""
    changes = []
    t = start
    while t <= end:
        change = adapter.observe(t, chosen, fraction_lost=loss)
        if change is not None:
            changes.append((t, change.mode, change.reason))
        t += 1.0
    return changes


def test_persistent_loss_steps_down_one_mode_at_a_time() -> None:
    adapter = LinkAdapter(CFG)
    changes = feed(adapter, 0, 20, 0.25)
    assert changes == [
        (3.0, M.AUDIO_AND_PRESENTER, PACKET_LOSS),  # bad since t=0, 3 s later
        (7.0, M.AUDIO_ONLY, PACKET_LOSS),  # bad clock restarted at 4 (after the change)
    ]
    assert adapter.effective(M.ALL) is M.AUDIO_ONLY


def test_short_bursts_and_the_hysteresis_band_change_nothing() -> None:
    adapter = LinkAdapter(CFG)
    assert feed(adapter, 0, 1, 0.5) == []  # 2 s of loss: below degrade_after
    assert feed(adapter, 2, 2, 0.0) == []  # a good sample restarts the bad clock
    assert feed(adapter, 3, 5, 0.5) == []
    assert feed(adapter, 6, 30, 0.05) == []  # 5 %: neither bad nor good
    assert adapter.effective(M.ALL) is M.ALL
    assert feed(adapter, 31, 34, 0.10) == [(34.0, M.AUDIO_AND_PRESENTER, PACKET_LOSS)]


def test_recovery_needs_a_longer_good_period_and_steps_up_one_mode_at_a_time() -> None:
    adapter = LinkAdapter(CFG)
    feed(adapter, 0, 10, 0.3)
    assert adapter.effective(M.ALL) is M.AUDIO_ONLY
    assert feed(adapter, 11, 20, 0.0) == []  # 10 s good (11..20): recovery at t=21
    changes = feed(adapter, 21, 40, 0.0)
    assert changes == [(21.0, M.AUDIO_AND_PRESENTER, RECOVERED), (32.0, M.ALL, RECOVERED)]
    assert not adapter.limited


def test_a_loss_sample_during_recovery_restarts_the_good_clock() -> None:
    adapter = LinkAdapter(CFG)
    feed(adapter, 0, 3, 0.3)
    assert adapter.effective(M.ALL) is M.AUDIO_AND_PRESENTER
    assert feed(adapter, 4, 12, 0.0) == []
    assert feed(adapter, 13, 13, 0.06) == []  # band: good clock restarts
    assert feed(adapter, 14, 23, 0.0) == []
    assert feed(adapter, 24, 24, 0.0) == [(24.0, M.ALL, RECOVERED)]


def test_hold_time_prevents_flapping() -> None:
    config = AdaptationConfig(
        smoothing=1.0, degrade_after=0.0, recover_after=0.0, hold_after_change=5.0
    )
    adapter = LinkAdapter(config)
    assert adapter.observe(0.0, M.ALL, fraction_lost=0.5) is not None
    # alternating good/bad samples every second: at most one change per 5 s
    times = []
    for t in range(1, 21):
        change = adapter.observe(float(t), M.ALL, fraction_lost=0.0 if t % 2 else 0.5)
        if change is not None:
            times.append(t)
    assert all(b - a >= 5 for a, b in zip([0, *times], times, strict=False))


def test_never_above_the_chosen_mode() -> None:
    adapter = LinkAdapter(CFG)
    # the subscriber chose audio + presenter: bad link goes to audio only, never to ALL
    changes = feed(adapter, 0, 5, 0.3, chosen=M.AUDIO_AND_PRESENTER)
    assert changes == [(3.0, M.AUDIO_ONLY, PACKET_LOSS)]
    changes = feed(adapter, 6, 60, 0.0, chosen=M.AUDIO_AND_PRESENTER)
    assert changes == [(16.0, M.AUDIO_AND_PRESENTER, RECOVERED)]
    assert not adapter.limited  # back to the subscriber's choice: no limit left
    # audio only by choice: nothing to step down to, and nothing to emit on recovery
    other = LinkAdapter(CFG)
    assert feed(other, 0, 60, 0.5, chosen=M.AUDIO_ONLY) == []
    assert other.effective(M.AUDIO_ONLY) is M.AUDIO_ONLY


def test_a_limit_survives_a_richer_choice() -> None:
    adapter = LinkAdapter(CFG)
    feed(adapter, 0, 3, 0.3)
    assert adapter.effective(M.AUDIO_ONLY) is M.AUDIO_ONLY
    assert adapter.effective(M.ALL) is M.AUDIO_AND_PRESENTER  # choosing ALL does not lift it


def test_remb_below_the_sent_bitrate_steps_down() -> None:
    adapter = LinkAdapter(CFG)
    # healthy estimator: REMB above what we send (1.5x) -> nothing
    for t in range(0, 10):
        assert adapter.observe(float(t), M.ALL, remb_bps=1_500_000, sending_bps=1_000_000) is None
    # low-bitrate stream, low REMB but still above what we send: nothing (no fixed floor)
    for t in range(10, 20):
        assert adapter.observe(float(t), M.ALL, remb_bps=60_000, sending_bps=40_000) is None
    changes = []
    for t in range(20, 30):
        # the subscriber's estimate fell below what we send; loss reports stay clean
        change = adapter.observe(float(t), M.ALL, remb_bps=400_000, sending_bps=1_000_000)
        changes.append(change)
        adapter.observe(t + 0.5, M.ALL, fraction_lost=0.0)
    first = next(c for c in changes if c is not None)
    assert (first.mode, first.reason) == (M.AUDIO_AND_PRESENTER, LOW_BANDWIDTH)


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="good_loss < bad_loss"):
        AdaptationConfig(bad_loss=0.01, good_loss=0.05)
    with pytest.raises(ValueError, match="smoothing"):
        AdaptationConfig(smoothing=0.0)


def test_smoothing_ignores_a_single_spike() -> None:
    adapter = LinkAdapter(AdaptationConfig(smoothing=0.3, degrade_after=0.0))
    assert adapter.observe(0.0, M.ALL, fraction_lost=0.0) is None
    assert adapter.observe(1.0, M.ALL, fraction_lost=0.3) is None  # ewma 0.09 < 0.10
    assert adapter.loss == pytest.approx(0.09)
    change = adapter.observe(2.0, M.ALL, fraction_lost=0.3)  # ewma 0.153
    assert change is not None and change.mode is M.AUDIO_AND_PRESENTER
