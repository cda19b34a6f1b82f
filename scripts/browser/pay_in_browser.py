"""Opens a deposit's payment page in headless Chromium as a payer would, screenshots it,
clicks one of its buttons and screenshots the result.

Usage: pay_in_browser.py PAYMENT_URL BUTTON_ID SCREENSHOT_DIRECTORY
Prints one JSON object: the page's text before and after the click.
Only the given URL is visited (a loopback gateway); nothing is fetched from elsewhere.
"""

import json
import shutil
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def main(url: str, button_id: str, directory: str) -> None:
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=480,800"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(20)
        driver.get(url)
        before = driver.find_element(By.TAG_NAME, "main").text
        driver.save_screenshot(f"{directory}/payment-page.png")
        driver.find_element(By.ID, button_id).click()
        WebDriverWait(driver, 20).until(
            expected_conditions.invisibility_of_element_located((By.ID, button_id)))
        after = driver.find_element(By.TAG_NAME, "main").text
        status = driver.find_element(By.ID, "status").text
        driver.save_screenshot(f"{directory}/after-click.png")
        print(json.dumps({"before": before, "after": after, "status": status}))
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
