"""A visitor without sign-in, on a 375 px phone with JavaScript off, finds a contract by a phrase and reads it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import People, shot
from tests.flows import EMPLOYERS, WORKERS, terms

PHONE = {"width": 375, "height": 812}
PERSONS = sorted({p["name"] for p in (*WORKERS, *EMPLOYERS)} | {"李建国", "张伟"})


def no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"


def every_input_is_labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select, textarea')]"
        ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
        ".map(e => e.name)"
    )
    assert unlabelled == []


def test_a_visitor_on_a_phone_finds_a_contract_by_a_phrase_and_reads_it_without_any_persons_name(
    browser: Browser, server: str, people: People
) -> None:
    flow = people.new_case("西安市快递行业集体合同（手机查阅）")
    flow.to_in_force(("employer_body", "ent1", "ent2"), terms(rate="1.95"))

    scripted = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    # the same pages with JavaScript off: the portal needs none
    plain = browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    try:
        for context in (plain, scripted):
            page = context.new_page()
            page.goto(f"{server}/contracts")
            expect(page).to_have_title(re.compile("生效的集体合同"))
            search = page.get_by_label("按合同中的词语检索")
            search.fill("每件1.95元")
            search.press("Enter")  # by keyboard
            expect(page).to_have_url(re.compile(r"/contracts\?q="))
            found = page.get_by_test_id("portal-contract")
            expect(found).to_have_count(1)
            link = found.get_by_role("link", name="西安市快递行业集体合同（手机查阅）")
            link.focus()
            link.press("Enter")
            expect(page).to_have_url(f"{server}/contracts/{flow.id}")
            text = page.get_by_test_id("portal-text")
            expect(text).to_contain_text("快件派送的计件单价，不得低于每件1.95元")
            expect(text).to_contain_text("首席代表：×××")
            if context is scripted:
                shot(page, "portal-contract-375")
                page.go_back()
                no_sideways_scrolling(page)
                every_input_is_labelled(page)
                shot(page, "portal-search-375")
                page.go_forward()
                no_sideways_scrolling(page)
                every_input_is_labelled(page)
            html = page.content()
            for name in PERSONS:
                assert name not in html, name
            pdf = page.request.get(f"{server}/contracts/{flow.id}/pdf")
            assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    finally:
        plain.close()
        scripted.close()
