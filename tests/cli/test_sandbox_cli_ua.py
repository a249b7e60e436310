"""``erpsync sandbox zakupka`` as a user runs it: the secret orders link is printed as the shop's credential."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ERPSYNC = str(Path(sys.executable).with_name("erpsync"))


def test_the_zakupka_sandbox_prints_the_orders_link_a_shop_is_configured_with() -> None:
    command = [ERPSYNC, "sandbox", "zakupka", "--port", "0", "--orders", "2", "--random-seed", "4"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"credentials: orders_url=(http://127\.0\.0\.1:\d+/api/1c/orders/[\w-]{30,}\.xml)", first)
        assert match, first
        link = match.group(1)
        assert f"--credential orders_url={link}" in process.stdout.readline()
        response = httpx.get(link)
        assert response.status_code == 200 and "windows-1251" in response.headers["content-type"]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert output.rstrip().endswith("sandbox stopped")
