"""Development only: run the local VNPay simulator next to ``schoolhub serve``.

Enabled when ``SCHOOLHUB_ENV=development`` and ``SCHOOLHUB_VNPAY_SIMULATOR=1``. The simulator starts
with no merchant; whenever the payments code loads a school's VNPay client
(``intents.merchant_client``: creating an intent, verifying an IPN or a return, querydr, refunds),
that terminal and its secret are told to the running simulator (its IPN URL being
``<public_url>/payments/vnpay/ipn``) and the client talks to the simulator instead of the school's
configured gateway. So every merchant configured in the database works without restarting, and no
secret is written anywhere. IPNs are retried every 5 s (VNPay: 5 minutes).

Never active outside development: ``start_dev_simulator`` refuses, ``adopt`` is then a no-op.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schoolhub.payments.vnpay import VnpayClient, VnpayMerchant
from schoolhub.platform import settings as settings_mod

if TYPE_CHECKING:
    from schoolhub.simulators.vnpay_state import SimulatorState

ENV_FLAG = "SCHOOLHUB_VNPAY_SIMULATOR"
IPN_PATH = "/payments/vnpay/ipn"
_STATE_KEY = "vnpay_simulator"  # where create_simulator_app keeps its live state


@dataclass
class _Running:
    base_url: str
    ipn_url: str
    state: SimulatorState  # the running simulator's live state (merchants, IPN URLs)


_running: _Running | None = None
_lock = threading.Lock()


def wanted(env: dict[str, str] | None = None) -> bool:
    """True when the development simulator should run (development env and the flag set to 1)."""
    values = os.environ if env is None else env
    is_dev = settings_mod.current().env is settings_mod.Environment.DEVELOPMENT
    return is_dev and values.get(ENV_FLAG, "") == "1"


def start_dev_simulator(public_url: str) -> tuple[str, Callable[[], None]]:
    """Start the simulator on a loopback port; IPNs go to ``public_url``. Returns (base_url, stop)."""
    global _running
    if settings_mod.current().env is not settings_mod.Environment.DEVELOPMENT:
        raise RuntimeError("the VNPay simulator only runs with SCHOOLHUB_ENV=development")
    # Imported here: the payments domain never loads the web stack (litestar) otherwise.
    from schoolhub.simulators.server import run_app_in_thread
    from schoolhub.simulators.vnpay import create_simulator_app
    from schoolhub.simulators.vnpay_state import SimulatorState

    app = create_simulator_app({}, {}, ipn_retry_interval=5.0)
    state = app.state[_STATE_KEY]
    assert isinstance(state, SimulatorState)
    base_url, stop_server = run_app_in_thread(app)
    with _lock:
        _running = _Running(base_url, public_url.rstrip("/") + IPN_PATH, state)
    stopped = threading.Event()

    def stop() -> None:
        global _running
        if stopped.is_set():
            return
        stopped.set()
        with _lock:
            _running = None
        stop_server()

    atexit.register(stop)
    print(f"VNPay simulator (development) on {base_url}", flush=True)
    return base_url, stop


def adopt(merchant: VnpayMerchant, gateway_url: str) -> VnpayClient:
    """The client for a school's terminal: through the running dev simulator, else the gateway."""
    with _lock:
        running = _running
        if running is not None:
            running.state.config.merchants[merchant.tmn_code] = merchant.hash_secret
            running.state.config.ipn_urls[merchant.tmn_code] = running.ipn_url
    if running is None:
        return VnpayClient(merchant, base_url=gateway_url)
    return VnpayClient(merchant, base_url=running.base_url)
