"""The HTML explorer in a real browser (headless Chromium, the session `browser` fixture):
it loads without console errors, search selects, filters hide, clicks show evidence, text
from articles never runs, and big graphs are capped and still load."""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import browser as chrome  # noqa: E402

from exports.html import DEFAULT_MAX_NODES, write_html  # noqa: E402

ID = "https://w3id.org/aikg/id/"
ART = "https://w3id.org/aikg/article/"
IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "</script><script>window.__pwned=2</script>"

DS, LW, HF, R1, HZ, LONE_A, LONE_B, BAD = (
    ID + "org/deepseek", ID + "person/liang-wenfeng", ID + "org/high-flyer", ID + "model/r1",
    ID + "place/hangzhou", ID + "org/lonely-a", ID + "org/lonely-b", ID + "org/xss")


def ev(sentence: str, n: int, *, published: str | None = "2025-01-20", title: str | None = None,
       url: str | None = None, confidence: float = 0.9) -> dict:
    return {"sentence": sentence, "article": f"{ART}a{n}", "title": title or f"Article {n}",
            "url": url if url is not None else f"https://news.example.com/{n}",
            "published": published, "rule": "rules.v1/test", "confidence": confidence}


def node(g, iri, label, cls, root, aliases=(), articles=1):
    g.add_node(iri, label=label, cls=cls, root=root, aliases=list(aliases), articles=articles)


def edge(g, u, pred, v, evidence):
    g.add_edge(u, v, key=pred, predicate=pred, support=len({e["article"] for e in evidence}),
               confidence=max(e["confidence"] for e in evidence), evidence=evidence)


def hand_graph() -> nx.MultiDiGraph:
    """A small graph with known dates, confidences and supports, plus an unrelated pair and
    an entity whose every text field is a script-injection attempt."""
    g = nx.MultiDiGraph()
    node(g, DS, "DeepSeek", "AILab", "Organization", ["Deepseek"], 3)
    node(g, LW, "Liang Wenfeng", "Person", "Person", ["Liang"], 2)
    node(g, HF, "High-Flyer", "Investor", "Organization")
    node(g, R1, "R1", "AIModel", "AIModel", ["DeepSeek-R1"])
    node(g, HZ, "Hangzhou", "City", "Place")
    node(g, LONE_A, "Alpha Labs", "Company", "Organization")
    node(g, LONE_B, "Beta Chips", "Company", "Organization")
    node(g, BAD, IMG + SCRIPT, "Company", "Organization", [SCRIPT + " alias", IMG])
    edge(g, LW, "founded", DS, [ev("Liang Wenfeng founded DeepSeek in 2023.", 1),
                                ev("Liang started DeepSeek in Hangzhou.", 2, published="2025-02-03")])
    edge(g, HF, "funds", DS, [ev("High-Flyer funds DeepSeek.", 1, confidence=0.7)])
    edge(g, DS, "develops", R1, [ev("DeepSeek develops R1.", 3, published=None)])
    edge(g, DS, "located_in", HZ, [ev("DeepSeek is based in Hangzhou.", 1, confidence=0.8)])
    edge(g, LONE_A, "partners_with", LONE_B, [ev("Alpha Labs partners with Beta Chips.", 4,
                                                 published="2024-06-01")])
    edge(g, BAD, "competes_with", DS, [
        ev(f"The rival {IMG} said {SCRIPT} loudly.", 5, title=f"Title {IMG}{SCRIPT}",
           url="javascript:window.__pwned=3"),
        ev("A second line.", 6, title="Data title", url="data:text/html,<script>window.__pwned=4</script>"),
    ])
    return g


def synthetic(n: int, per_node: int = 2, seed: int = 1) -> nx.MultiDiGraph:
    """n entities, about per_node facts each, preferential attachment (a few hubs)."""
    rnd = random.Random(seed)
    roots = ["Person", "Organization", "AIModel", "Hardware", "Product", "Place"]
    preds = ["founded", "funds", "develops", "partners_with", "located_in"]
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(f"{ID}x/{i}", label=f"Entity {i}", cls=roots[i % 6], root=roots[i % 6],
                   aliases=[f"E{i}"], articles=1 + i % 3)
    for i in range(1, n):
        for _ in range(per_node):
            j = int(rnd.random() ** 2 * i)
            p = preds[(i + j) % 5]
            g.add_edge(f"{ID}x/{i}", f"{ID}x/{j}", key=p, predicate=p, support=1 + i % 3,
                       confidence=0.5 + (i % 5) / 10,
                       evidence=[ev(f"Entity {i} {p} Entity {j}.", i, published=f"2025-0{1 + i % 9}-1{i % 9}")])
    return g


# -- helpers --------------------------------------------------------------------------------------
def wait_for(driver, script: str, timeout: float = 30.0, *args):
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for: {script}")
        time.sleep(0.05)


def open_page(driver, path: Path, timeout: float = 60.0) -> None:
    chrome.console_errors(driver)  # drop what earlier tests left
    chrome.open_file(driver, path)
    wait_for(driver, "return !!(window.kgExplorer && window.kgExplorer.ready)", timeout)
    assert chrome.console_errors(driver) == []


def hidden(driver, iri: str) -> bool:
    return driver.execute_script("return !!window.kgExplorer.nodes.get(arguments[0]).hidden", iri)


def edge_id(driver, u: str, pred: str, v: str) -> str:
    return driver.execute_script(
        "var a = arguments; return window.kgExplorer.data.edges.filter(function (e) {"
        " return e.from === a[0] && e.predicate === a[1] && e.to === a[2]; })[0].id", u, pred, v)


def edge_hidden(driver, eid: str) -> bool:
    return driver.execute_script("return !!window.kgExplorer.edges.get(arguments[0]).hidden", eid)


def set_value(driver, element_id: str, value: str, event: str = "change") -> None:
    driver.execute_script(
        "var el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event(arguments[2], {bubbles: true}));", element_id, value, event)


def search(driver, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.ID, "kg-search")
    box.clear()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def panel_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "kg-panel").text


@pytest.fixture(scope="module")
def hand_page(tmp_path_factory) -> Path:
    return write_html(hand_graph(), tmp_path_factory.mktemp("explorer") / "hand.html")


@pytest.fixture
def page(browser, hand_page):
    open_page(browser, hand_page)
    yield browser
    assert chrome.console_errors(browser) == []
    assert browser.execute_script("return window.__pwned") is None


# -- tests ----------------------------------------------------------------------------------------
def test_search_selects_ingested_entity(browser, tmp_path, nlp_ready):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from kg.api import KnowledgeGraph

    kg = KnowledgeGraph.memory()
    assert kg.ingest_text("Liang Wenfeng founded DeepSeek in Hangzhou. High-Flyer funds DeepSeek.",
                          title="DeepSeek story", published="2025-01-27").ok
    path = tmp_path / "ingested.html"
    kg.export(path, "html")
    open_page(browser, path)
    box = browser.find_element(By.ID, "kg-search")
    box.send_keys("deep")  # suggestions as you type
    wait_for(browser, "return !document.getElementById('kg-suggest').hidden")
    suggestions = browser.find_element(By.ID, "kg-suggest").text
    assert "DeepSeek" in suggestions
    box.send_keys("seek", Keys.ENTER)
    assert browser.execute_script("return window.kgNetwork.getSelectedNodes()") == [DS]
    wait_for(browser, "return document.getElementById('kg-panel').getAttribute('data-node') === arguments[0]",
             5, DS)
    text = panel_text(browser)
    assert text.splitlines()[0] == "DeepSeek"
    assert "Liang Wenfeng" in text and "Liang Wenfeng founded DeepSeek in Hangzhou." in text
    assert "DeepSeek story" in text and "2025-01-27" in text
    search(browser, "no such thing")
    assert "No match" in browser.find_element(By.ID, "kg-status").text
    assert chrome.console_errors(browser) == []


def test_search_by_alias_and_neighbourhood_highlight(page):
    search(page, "Liang")  # an alias (and a prefix of the label): the person
    assert page.execute_script("return window.kgNetwork.getSelectedNodes()") == [LW]
    assert panel_text(page).splitlines()[0] == "Liang Wenfeng"
    colors = page.execute_script(
        "var n = window.kgExplorer.nodes; return [n.get(arguments[0]).color, n.get(arguments[1]).color,"
        " n.get(arguments[2]).color]", LW, DS, LONE_A)
    assert colors[0] == colors[1] or isinstance(colors[1], str)  # neighbours keep their colour
    assert isinstance(colors[2], dict) and colors[2]["background"] == "#e4e4e4"  # the rest is dimmed
    search(page, "")  # Enter on an empty box clears the selection and the highlight
    assert page.execute_script("return window.kgNetwork.getSelectedNodes()") == []
    assert isinstance(page.execute_script("return window.kgExplorer.nodes.get(arguments[0]).color",
                                          LONE_A), str)


def test_type_filter_hides_nodes(page):
    from selenium.webdriver.common.by import By

    box = page.find_element(By.CSS_SELECTOR, '#kg-legend input[data-root="Person"]')
    founded = edge_id(page, LW, "founded", DS)
    assert not hidden(page, LW) and not edge_hidden(page, founded)
    box.click()
    assert hidden(page, LW) and edge_hidden(page, founded)
    assert not any(hidden(page, n) for n in (DS, HF, R1, HZ))
    org = page.find_element(By.CSS_SELECTOR, '#kg-legend input[data-root="Organization"]')
    org.click()
    assert all(hidden(page, n) for n in (DS, HF, LONE_A, BAD)) and not hidden(page, R1)
    page.find_element(By.ID, "kg-reset").click()
    assert not any(hidden(page, n) for n in (LW, DS, HF, LONE_A, BAD))
    assert not edge_hidden(page, founded)


def test_predicate_date_confidence_support_filters(page):
    from selenium.webdriver.common.by import By

    ids = {p: edge_id(page, u, p, v) for u, p, v in [
        (LW, "founded", DS), (HF, "funds", DS), (DS, "develops", R1), (DS, "located_in", HZ),
        (LONE_A, "partners_with", LONE_B)]}

    def shown():
        return {p for p, i in ids.items() if not edge_hidden(page, i)}

    assert shown() == set(ids)
    page.find_element(By.CSS_SELECTOR, '#kg-predicates input[data-predicate="funds"]').click()
    assert shown() == set(ids) - {"funds"}
    page.find_element(By.ID, "kg-reset").click()

    set_value(page, "kg-date-from", "2025-02-01")  # only 'founded' has evidence that late
    assert shown() == {"founded"}
    set_value(page, "kg-date-from", "")
    set_value(page, "kg-date-to", "2024-12-31")
    assert shown() == {"partners_with"}
    set_value(page, "kg-date-to", "")
    assert shown() == set(ids)  # undated evidence counts when no range is set

    set_value(page, "kg-min-conf", "0.85", "input")
    assert shown() == {"founded", "develops", "partners_with"}
    assert page.find_element(By.ID, "kg-min-conf-value").text == "0.85"
    set_value(page, "kg-min-conf", "0", "input")
    set_value(page, "kg-min-support", "2", "input")
    assert shown() == {"founded"}
    page.find_element(By.ID, "kg-hide-lonely").click()  # entities left without a shown fact go
    assert hidden(page, LONE_A) and hidden(page, R1) and not hidden(page, DS)
    page.find_element(By.ID, "kg-reset").click()
    assert shown() == set(ids) and not hidden(page, LONE_A)


def test_node_size_switch(page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def sizes():
        return page.execute_script(
            "return window.kgExplorer.data.nodes.map(function (n) {"
            " return [window.kgExplorer.nodes.get(n.id).size, n.sizes.degree, n.sizes.pagerank]; })")

    assert all(s == d for s, d, _ in sizes())
    Select(page.find_element(By.ID, "kg-size")).select_by_value("pagerank")
    rows = sizes()
    assert all(s == p for s, _, p in rows) and any(d != p for _, d, p in rows)
    Select(page.find_element(By.ID, "kg-size")).select_by_value("degree")
    assert all(s == d for s, d, _ in sizes())


def click_edge(driver, eid: str) -> None:
    """Click the middle of an edge on screen (physics is off once the page is ready)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    point = driver.execute_script("""
        var net = window.kgNetwork, e = window.kgExplorer.edges.get(arguments[0]);
        net.fit({animation: false});
        var p = net.getPositions([e.from, e.to]);
        var c = net.canvasToDOM({x: (p[e.from].x + p[e.to].x) / 2, y: (p[e.from].y + p[e.to].y) / 2});
        var box = document.querySelector('#kg-network canvas').getBoundingClientRect();
        return [c.x, c.y, box.width, box.height];""", eid)
    x, y, w, h = point
    canvas = driver.find_element(By.CSS_SELECTOR, "#kg-network canvas")
    ActionChains(driver).move_to_element_with_offset(canvas, int(x - w / 2), int(y - h / 2)).click().perform()


def test_clicking_an_edge_shows_its_evidence(page):
    assert page.execute_script("return document.getElementById('kg-physics').checked") is False
    founded = edge_id(page, LW, "founded", DS)
    click_edge(page, founded)
    wait_for(page, "return document.getElementById('kg-panel').getAttribute('data-edge') === arguments[0]",
             5, founded)
    text = panel_text(page)
    assert "Liang Wenfeng founded DeepSeek in 2023." in text
    assert "Liang started DeepSeek in Hangzhou." in text
    assert "Article 2" in text and "2025-02-03" in text and "supported by 2 articles" in text
    links = page.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#kg-panel a'),"
        " function (a) { return [a.href, a.target, a.rel, a.textContent]; })")
    assert ["https://news.example.com/2", "_blank", "noopener noreferrer", "Article 2"] in links
    assert page.execute_script("return window.kgNetwork.getSelectedEdges()") == [founded]


def test_article_text_is_shown_as_text_and_runs_nothing(page):
    from selenium.webdriver.common.by import By

    assert page.execute_script("return document.querySelectorAll('img').length") == 0
    search(page, "img src")
    assert page.execute_script("return window.kgNetwork.getSelectedNodes()") == [BAD]
    text = panel_text(page)
    assert text.splitlines()[0] == IMG + SCRIPT  # the label, literally
    assert SCRIPT + " alias" in text
    assert f"The rival {IMG} said {SCRIPT} loudly." in text
    assert f"Title {IMG}{SCRIPT}" in text
    assert "javascript:window.__pwned=3" in text  # a non-http(s) URL is shown as text...
    hrefs = page.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('a'), function (a) { return a.href; })")
    assert all(h.startswith("https://") for h in hrefs)  # ...never as a link
    assert "data:text/html" in text
    search(page, "DeepSeek")  # a panel with real links next to it
    hrefs = page.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('a'), function (a) { return a.href; })")
    assert hrefs and all(h.startswith("https://news.example.com/") for h in hrefs)
    assert f"Title {IMG}{SCRIPT}" in panel_text(page)
    panel = page.find_element(By.ID, "kg-panel")
    assert panel.find_elements(By.TAG_NAME, "img") == [] and panel.find_elements(By.TAG_NAME, "script") == []
    page.find_element(By.ID, "kg-search").send_keys("x")  # suggestions render labels as text too
    assert page.execute_script("return document.querySelectorAll('img').length") == 0
    assert page.execute_script("return window.__pwned") is None


def test_left_out_notice_above_the_cap(browser, tmp_path):
    from selenium.webdriver.common.by import By

    path = write_html(hand_graph(), tmp_path / "capped.html", max_nodes=3)
    open_page(browser, path)
    notice = browser.find_element(By.ID, "kg-notice").text
    assert "Showing the 3 most connected of 8 entities" in notice and "5 entities" in notice
    ids = browser.execute_script("return window.kgExplorer.nodes.getIds()")
    assert len(ids) == 3 and DS in ids  # the hub stays
    uncapped = write_html(hand_graph(), tmp_path / "all.html")
    open_page(browser, uncapped)
    assert browser.find_elements(By.ID, "kg-notice") == []


def test_two_thousand_nodes_become_interactive(browser, tmp_path):
    from selenium.webdriver.common.by import By

    path = write_html(synthetic(2000), tmp_path / "g2000.html")
    open_page(browser, path, timeout=90)  # laid out (stabilised or physics off) and drawn
    assert browser.execute_script("return window.kgExplorer.nodes.length") == 2000
    assert browser.find_elements(By.ID, "kg-notice") == []
    search(browser, "Entity 1234")
    assert browser.execute_script("return window.kgNetwork.getSelectedNodes()") == [f"{ID}x/1234"]
    assert chrome.console_errors(browser) == []


def test_fifty_thousand_nodes_export_is_capped(browser, tmp_path):
    from selenium.webdriver.common.by import By

    g = synthetic(50_000, per_node=1)
    path = write_html(g, tmp_path / "g50k.html")
    open_page(browser, path, timeout=90)
    assert browser.execute_script("return window.kgExplorer.nodes.length") == DEFAULT_MAX_NODES
    notice = browser.find_element(By.ID, "kg-notice").text
    assert f"of 50,000 entities: {50_000 - DEFAULT_MAX_NODES:,} entities" in notice
    assert browser.execute_script("return window.kgExplorer.nodes.get(arguments[0]) !== null",
                                  f"{ID}x/0")  # the biggest hub is among those shown


@pytest.mark.slow
def test_fifty_thousand_nodes_uncapped_still_load(browser, tmp_path):
    path = write_html(synthetic(50_000, per_node=1), tmp_path / "all50k.html", max_nodes=50_000)
    open_page(browser, path, timeout=180)
    assert browser.execute_script("return window.kgExplorer.nodes.length") == 50_000
    search(browser, "Entity 49999")
    assert browser.execute_script("return window.kgNetwork.getSelectedNodes()") == [f"{ID}x/49999"]
    assert chrome.console_errors(browser) == []
