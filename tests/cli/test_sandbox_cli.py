"""``erpsync sandbox kaspi`` as a user runs it: a real process serving on the printed URL."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from erpsync.cli import main

ERPSYNC = str(Path(sys.executable).with_name("erpsync"))
SEED_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "kaspi" / "sandbox"


def test_sandbox_command_serves_kaspi_on_the_printed_url_until_interrupted() -> None:
    command = [ERPSYNC, "sandbox", "kaspi", "--port", "0", "--token", "cli-token", "--orders", "3",
               "--random-seed", "4"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        served = r"Kaspi.kz sandbox serving (http://127\.0\.0\.1:\d+/shop/api/v2) \(credentials: token=cli-token\)"
        match = re.search(served, first)
        assert match, first
        base_url = match.group(1)
        assert f"--base-url {base_url} --credential token=cli-token" in process.stdout.readline()
        refused = httpx.get(f"{base_url}/orders", params={"page[number]": 0, "page[size]": 5})
        assert refused.status_code == 401
        state = httpx.get(base_url.replace("/shop/api/v2", "/_sandbox/state")).json()
        assert state["orders"] == 3
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "GET /shop/api/v2/orders → 401" in output
    assert output.rstrip().endswith("sandbox stopped")


def test_sandbox_command_refusals_are_one_line() -> None:
    runner = CliRunner()
    cases = [
        (["sandbox", "ebay"], "error: there is no sandbox for 'ebay' (sandboxes: "),
        (["sandbox", "kaspi", "--credential", "password=x"],
         "error: kaspi takes the credentials token; 'password' is not one of them"),
        (["sandbox", "kaspi", "--fail-rate", "2"], "error: --fail-rate must be between 0 and 1, got 2.0"),
        (["sandbox", "prom", "--reset-rate", "1.5"], "error: --reset-rate must be between 0 and 1, got 1.5"),
        (["sandbox", "prom", "--shift-rate", "-0.1"], "error: --shift-rate must be between 0 and 1, got -0.1"),
        (["sandbox", "prom", "--slow-seconds", "-1"], "error: --slow-seconds must not be negative, got -1.0"),
        (["sandbox", "kaspi", "--seed", str(SEED_DIR / "nowhere")], "error: --seed"),
    ]
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(message), result.output
        assert len(result.output.strip().splitlines()) == 1


def test_sandbox_command_serves_kaufland_and_tells_the_shop_its_storefront() -> None:
    command = [ERPSYNC, "sandbox", "kaufland", "--port", "0", "--credential", "client_key=ck",
               "--credential", "secret_key=sk", "--orders", "2", "--random-seed", "4"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        match = re.search(r"Kaufland sandbox serving (http://127\.0\.0\.1:\d+/v2)", process.stdout.readline())
        assert match
        base_url = match.group(1)
        hint = process.stdout.readline()
        assert f"--base-url {base_url} --credential client_key=ck --credential secret_key=sk --setting storefront=de" \
            in hint
        refused = httpx.get(f"{base_url}/units", params={"storefront": "de"})
        assert refused.status_code == 401 and refused.json()["type"] == "/problems/missing-or-invalid-request-header"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0 and "GET /v2/units → 401" in output
