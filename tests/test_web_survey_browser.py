"""Issue 16 item 1 in a real browser: Debian's headless chromium (driven by selenium), in a phone-sized
window, opens a task's link, answers, signs on the pad and submits; the visit appears."""

import shutil

import pytest
from test_web_survey import serve, task  # noqa: F401  (fixtures)

from desktop.models import Answer, Visit, VisitSignature, VisitTask
from desktop.services.web import links

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="没有安装 selenium（pip install -e .[test]）")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip(
        "没有安装 chromium / chromedriver（Debian：apt-get install chromium chromium-driver，见 scripts/system-deps.sh）",
        allow_module_level=True,
    )

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PHONE = (390, 844)  # a phone screen, CSS pixels


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={PHONE[0]},{PHONE[1]}", "--lang=zh-CN"):  # fmt: skip
        options.add_argument(arg)
    # headless chromium keeps a window at least 500 px wide: emulate the phone's screen instead
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": PHONE[0], "height": PHONE[1], "pixelRatio": 3.0}}
    )
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _tap(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def test_a_customer_answers_and_signs_on_a_phone(task, serve, browser):  # noqa: F811
    httpd = serve()
    url = links.url_of(links.link_for_task(task.id), httpd.url)
    browser.get(url)
    assert browser.execute_script("return window.innerWidth") <= PHONE[0]
    assert "张**" in browser.page_source and "13812345678" not in browser.page_source
    # the touch targets are big enough for a finger
    option = browser.find_element(By.CSS_SELECTOR, 'input[name="q1"][value="5"]').find_element(By.XPATH, "..")
    assert option.size["height"] >= 44

    choices = {"q1": "5", "q2": "8", "q3": "10", "q4": "是", "q5": "到店"}
    for name, value in choices.items():
        radio = browser.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
        _tap(browser, radio.find_element(By.XPATH, ".."))
    browser.find_element(By.NAME, "q6").send_keys("服务很好")
    browser.find_element(By.NAME, "feedback").send_keys("谢谢师傅")

    pad = browser.find_element(By.ID, "pad")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", pad)
    ActionChains(browser).move_to_element_with_offset(pad, -80, 0).click_and_hold().move_by_offset(
        60, 30
    ).move_by_offset(60, -40).move_by_offset(40, 20).release().perform()

    _tap(browser, browser.find_element(By.CSS_SELECTOR, "button.submit"))
    # the click starts the form's submission; the answer page arrives when the server has saved
    # (a click does not wait for the navigation it starts: seen once under load)
    WebDriverWait(browser, 20).until(lambda b: "提交成功" in b.title or "感谢" in b.page_source)

    visit = Visit.get()
    assert (visit.method, visit.status, visit.feedback) == ("扫码问卷", "已完成", "谢谢师傅")
    got = {a.question.kind: a.value for a in Answer.select().where(Answer.visit == visit.id)}
    assert got == {"level5": 5, "score10": 8, "nps": 10, "yesno": 1, "choice": 2, "text": None}
    signature = VisitSignature.get(VisitSignature.visit == visit.id)
    assert bytes(signature.image).startswith(b"\x89PNG") and visit.sign_status == "电子签名"
    assert VisitTask.get_by_id(task.id).status == "已完成"

    browser.get(url)  # opened again: already answered, no form
    assert "已经提交过" in browser.page_source and not browser.find_elements(By.ID, "survey")
    browser.get(httpd.url + "/s/" + "x" * 32)
    assert "页面不存在" in browser.page_source
