"""Headless Chromium for the tests, driven by Selenium with the system browser and driver
(Debian packages `chromium` and `chromium-driver`, installed by `python3 bootstrap.py test`).
Nothing is downloaded: the driver path is given, and Selenium Manager runs offline."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = next((p for p in ("chromium", "chromium-browser", "google-chrome") if shutil.which(p)), None)
CHROMEDRIVER = shutil.which("chromedriver")


def available() -> bool:
    return CHROMIUM is not None and CHROMEDRIVER is not None


def start(width: int = 1280, height: int = 860):
    """A headless Chromium session; the caller quits it."""
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which(CHROMIUM)
    for arg in ("--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-dev-shm-usage", f"--window-size={width},{height}",
                "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    if os.geteuid() == 0:
        opts.add_argument("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))


def console_errors(driver) -> list[str]:
    """Console messages of level SEVERE since the last call (errors, CSP violations, failed loads)."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def open_file(driver, path: Path) -> None:
    driver.get(path.resolve().as_uri())
