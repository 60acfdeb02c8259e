"""The development VNPay simulator wiring (``payments.devsim``): refused outside development; when
running, a school's terminal is told to it on first use and the client points at it."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from schoolhub.payments import devsim
from schoolhub.payments.vnpay import VnpayMerchant
from schoolhub.platform import settings as settings_mod

MERCHANT = VnpayMerchant("DEVSIM01", "DEVSECRET0123456789ABCDEFGHIJKLM")


def test_refused_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    prod = SimpleNamespace(env=settings_mod.Environment.PRODUCTION)
    monkeypatch.setattr(devsim.settings_mod, "current", lambda: prod)
    assert not devsim.wanted({devsim.ENV_FLAG: "1"})
    with pytest.raises(RuntimeError):
        devsim.start_dev_simulator("http://127.0.0.1:9")
    client = devsim.adopt(MERCHANT, "https://sandbox.vnpayment.vn")
    assert client.base_url.startswith("https://sandbox.vnpayment.vn")


def test_merchants_are_told_to_the_running_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = SimpleNamespace(env=settings_mod.Environment.DEVELOPMENT)
    monkeypatch.setattr(devsim.settings_mod, "current", lambda: dev)
    assert devsim.wanted({devsim.ENV_FLAG: "1"}) and not devsim.wanted({})
    base_url, stop = devsim.start_dev_simulator("http://127.0.0.1:8000/")
    try:
        client = devsim.adopt(MERCHANT, "https://sandbox.vnpayment.vn")
        assert client.base_url.startswith(base_url)
        config = httpx.post(f"{base_url}/simulator/config", json={}).json()
        assert "DEVSIM01" in config["tmn_codes"]
        assert MERCHANT.hash_secret not in repr(config)
    finally:
        stop()
        stop()  # idempotent
    assert devsim.adopt(MERCHANT, "https://x.example").base_url.startswith("https://x.example")
