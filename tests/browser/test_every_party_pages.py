"""Every party in real Chromium: a union negotiator opens a case and carries it, with the employer side and the bureau,
through forms alone to publication; then a visitor on a phone finds the contract on the portal by a phrase of it."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import People, shot, sign_in
from tests.browser.test_portal import PERSONS, PHONE, every_input_is_labelled, no_sideways_scrolling

TITLE = "西安市快递行业集体协商（全程在线办理）"
RATE = "1.77"


def signed_in(browser: Browser, server: str, token: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    sign_in(page, server, token)
    return context, page


def form(page: Page, key: str) -> Locator:
    return page.locator(f'form[data-form="{key}"]')


def field(page: Page, key: str, name: str) -> Locator:
    return form(page, key).locator(f'[name="{name}"]')


def fire(page: Page, key: str, values: dict[str, str] | None = None) -> None:
    """Fill in an event's form on the case page and submit it; the page comes back saying it was done."""
    for name, value in (values or {}).items():
        field(page, key, name).fill(value)
    form(page, key).get_by_test_id(f"submit-{key}").click()
    expect(page.locator(".notice")).to_contain_text("已记入审计日志")


def labelled_and_fitting(page: Page) -> None:
    every_input_is_labelled(page)
    no_sideways_scrolling(page)


def test_a_case_travels_from_creation_to_the_public_portal_through_the_pages_of_every_party(
    browser: Browser, server: str, people: People
) -> None:
    started = time.monotonic()
    union_ctx, union = signed_in(browser, server, people.tokens["union"])
    # --- the union opens the case ------------------------------------------------------------------------------
    union.get_by_test_id("new-case").click()
    expect(union).to_have_title(re.compile("发起集体协商"))
    new = form(union, "create_case")
    new.get_by_label("案件名称").fill(TITLE)
    new.get_by_label("行业（必填）", exact=True).select_option("express_delivery")
    new.get_by_label("企业方代表组织").select_option(str(people.orgs["employer_body"]))
    new.get_by_label("审查机关（人社部门）").select_option(str(people.orgs["bureau"]))
    for org in ("ent1", "ent2"):
        new.locator(f'input[name="covered_enterprise_ids"][value="{people.orgs[org]}"]').check()
    for topic in ("行业计件单价", "报酬支付办法", "休息休假"):
        new.get_by_label(topic, exact=True).check()
    labelled_and_fitting(union)
    shot(union, "tour-01-new-case")
    new.get_by_test_id("submit-create_case").click()
    expect(union.get_by_test_id("state-badge")).to_have_text("起草要约")
    case_id = int(re.findall(r"/review/cases/(\d+)", union.url)[0])
    case_url = f"{server}/review/cases/{case_id}"

    # --- representatives, then the proposal, by keyboard --------------------------------------------------------
    union.get_by_test_id("link-set_representatives").click()
    reps = form(union, "set_representatives")
    people_of = {
        "worker_side": [("李建国", "工会主席", True), ("王堃", "快递员代表", False), ("陈晓燕", "快递员代表", False)],
        "employer_side": [("张伟", "协会会长", True), ("刘洋", "人力资源总监", False), ("孙丽", "合规经理", False)],
    }
    for side, rows in people_of.items():
        for i, (name, title, chief) in enumerate(rows):
            reps.locator(f'[name="{side}[{i}].name"]').fill(name)
            reps.locator(f'[name="{side}[{i}].title"]').fill(title)
            if chief:
                reps.locator(f'[name="{side}[{i}].is_chief"]').check()
    reps.locator('[name="employer_side[0].delegated_in_writing"]').check()
    labelled_and_fitting(union)
    shot(union, "tour-02-representatives")
    reps.get_by_test_id("submit-set_representatives").click()
    expect(union.locator(".notice")).to_contain_text("确定协商代表")

    field(union, "propose", "served_on").fill("2026-11-02")
    field(union, "propose", "demands").focus()
    union.keyboard.type("提高快件派送计件单价，规范派单规则。")
    union.keyboard.press("Tab")
    expect(form(union, "propose").get_by_test_id("submit-propose")).to_be_focused()
    union.keyboard.press("Enter")
    expect(union.get_by_test_id("state-badge")).to_have_text("已发出要约")
    shot(union, "tour-03-proposed")

    # --- the employer body accepts ----------------------------------------------------------------------------
    employer_ctx, employer = signed_in(browser, server, people.tokens["employer_body"])
    employer.goto(case_url)
    expect(employer.get_by_test_id("event-form")).to_have_count(2)  # accept, decline
    fire(employer, "accept", {"received_on": "2026-11-05", "reply": "同意协商，请于11月中旬开始。"})
    expect(employer.get_by_test_id("state-badge")).to_have_text("协商准备")

    # --- the union opens the talks, records a meeting, writes and submits the draft ------------------------------
    union.goto(case_url)
    fire(union, "open_talks")
    union.get_by_test_id("link-record_meeting").click()
    fire_meeting = {"held_on": "2026-11-12", "location": "西安市总工会三楼会议室", "recorder": "陈晓燕",
                    "summary": "双方就计件单价和休息日交换意见。", "positions[0].worker_position": f"每件不低于{RATE}元",
                    "positions[0].employer_position": "每件1.60元"}  # fmt: skip
    for name, value in fire_meeting.items():
        field(union, "record_meeting", name).fill(value)
    field(union, "record_meeting", "chair_side").select_option("worker")
    form(union, "record_meeting").get_by_test_id("submit-record_meeting").click()
    expect(union.get_by_test_id("meeting")).to_have_count(1)

    union.get_by_test_id("link-add_draft").click()
    draft = form(union, "add_draft")
    values = {
        "term_start": "2027-01-01", "term_end": "2028-12-31", "terms.piece_rates[0].rate_cny": "1.20",
        "terms.expected_units_per_hour": "15", "terms.pay_method.pay_day": "10", "terms.pay_method.max_commission_pct": "15",
        "terms.rest_leave.rest_days_per_month": "4", "terms.rest_leave.holiday_pay_multiplier": "3",
    }  # fmt: skip
    for name, value in values.items():
        draft.locator(f'[name="{name}"]').fill(value)
    for name, value in (("terms.piece_rates[0].service", "parcel_delivery"), ("terms.piece_rates[0].unit", "parcel"),
                        ("terms.pay_method.cycle", "monthly")):  # fmt: skip
        draft.locator(f'[name="{name}"]').select_option(value)
    draft.locator('[name="terms.pay_method.itemised_statement"]').check()
    labelled_and_fitting(union)
    draft.get_by_test_id("submit-add_draft").click()
    # ¥1.20 × 15 an hour is below Xi'an's hourly minimum wage: the form comes back, the floor beside the rate
    rate_error = union.locator('[data-testid="field-error"][data-for="terms.piece_rates[0].rate_cny"]')
    expect(rate_error).to_contain_text("低于当地一类小时最低工资")
    expect(rate_error).to_contain_text("R22")
    shot(union, "tour-04-draft-below-the-floor")
    rate = form(union, "add_draft").locator('[name="terms.piece_rates[0].rate_cny"]')
    expect(rate).to_have_attribute("aria-invalid", "true")
    rate.fill(RATE)
    form(union, "add_draft").get_by_test_id("submit-add_draft").click()
    expect(union).to_have_title(re.compile("第 1 版草案"))
    expect(union.locator('[data-clause="piece_rates"]').first).to_contain_text(f"每件{RATE}元")
    union.goto(case_url)
    expect(field(union, "submit_draft", "draft_version")).to_have_value("1")
    fire(union, "submit_draft")
    expect(union.get_by_test_id("state-badge")).to_have_text("草案审阅中")
    shot(union, "tour-05-under-review")

    # --- the employer side approves ---------------------------------------------------------------------------
    for who in ("ent1", "ent2"):
        ctx, page = signed_in(browser, server, people.tokens[who])
        page.goto(case_url)
        fire(page, "approve_draft")
        ctx.close()
    employer.goto(case_url)
    fire(employer, "approve_draft")
    expect(employer.get_by_test_id("state-badge")).to_have_text("草案已商定")

    # --- the union puts it to the vote, records it; both sign; the union files ------------------------------------
    union.goto(case_url)
    fire(union, "open_vote")
    fire(
        union, "record_vote", {"members": "45", "present": "40", "yes": "36", "no": "3", "abstain": "1", "held_on": "2026-12-01"}
    )
    fire(union, "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})
    employer.goto(case_url)
    fire(employer, "sign", {"signed_on": "2026-12-02", "signatory": "张伟", "place": "西安市"})
    expect(employer.get_by_test_id("state-badge")).to_have_text("已签字")
    employer_ctx.close()
    union.goto(case_url)
    fire(union, "file", {"filed_on": "2026-12-04"})
    expect(union.get_by_test_id("state-badge")).to_have_text("已报送审查")

    # --- the bureau records the receipt and approves -------------------------------------------------------------
    bureau_ctx, bureau = signed_in(browser, server, people.tokens["bureau"])
    bureau.goto(case_url)
    fire(bureau, "record_receipt", {"received_on": "2026-12-07", "receipt_no": "西人社集审〔2026〕12号"})
    expect(bureau.get_by_test_id("event-form")).to_have_count(2)  # object, approve
    shot(bureau, "tour-06-bureau-reviews")
    fire(bureau, "approve", {"approved_on": "2026-12-15"})
    expect(bureau.get_by_test_id("state-badge")).to_have_text("已生效")
    bureau.goto(f"{server}/review/deadlines")
    expect(bureau.get_by_test_id("deadline").filter(has_text=TITLE)).to_contain_text("公布")
    bureau_ctx.close()

    # --- the union publishes ---------------------------------------------------------------------------------
    union.goto(case_url)
    fire(union, "publish", {"published_on": "2026-12-16", "channels": "平台App公告\n站点公告栏"})
    expect(union.get_by_test_id("state-badge")).to_have_text("已公布施行")
    shot(union, "tour-07-in-force")
    union_ctx.close()

    # --- a visitor, without signing in, on a 375 px phone ---------------------------------------------------------
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        page.goto(f"{server}/contracts")
        search = page.get_by_label("按合同中的词语检索")
        search.fill(f"每件{RATE}元")
        search.press("Enter")
        found = page.get_by_test_id("portal-contract")
        expect(found).to_have_count(1)
        found.get_by_role("link", name=TITLE).click()
        expect(page.get_by_test_id("portal-text")).to_contain_text(f"快件派送的计件单价，不得低于每件{RATE}元")
        no_sideways_scrolling(page)
        html = page.content()
        for name in [*PERSONS, *(n for rows in people_of.values() for n, _t, _c in rows)]:
            assert name not in html, name
        shot(page, "tour-08-portal-375")
    finally:
        phone.close()
    assert time.monotonic() - started < 120, "the tour takes too long"


def test_the_forms_of_every_party_fit_a_375px_phone_and_every_input_has_a_label(
    browser: Browser, server: str, people: People
) -> None:
    drafting = people.new_case("手机上确定代表的案件")
    consulting = people.new_case("手机上起草的案件")
    consulting.to_consulting()
    consulting.draft()
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, server, people.tokens["union"])
        for name, path in (
            ("phone-new-case", "/review/cases/new"),
            ("phone-representatives", f"/review/cases/{drafting.id}/representatives"),
            ("phone-case-forms", f"/review/cases/{consulting.id}"),
            ("phone-new-draft", f"/review/cases/{consulting.id}/drafts/new"),
            ("phone-new-meeting", f"/review/cases/{consulting.id}/meetings/new"),
            ("phone-deadlines", "/review/deadlines"),
        ):
            response = page.goto(f"{server}{path}")
            assert response is not None and response.status == 200, path
            labelled_and_fitting(page)
            shot(page, name)
    finally:
        context.close()
