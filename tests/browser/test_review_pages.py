"""Enterprise representatives review a draft in real Chromium: the pages obey the same rules as the API."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import People, shot, sign_in
from tests.flows import Flow, terms


def under_review(people: People, title: str) -> Flow:
    """A case whose second draft (piece rate ¥1.50 → ¥1.65) is submitted for review."""
    flow = people.new_case(title)
    flow.to_consulting()
    flow.draft(terms(rate="1.50"))
    second = flow.draft(terms(rate="1.65"))
    flow.event("union", "submit_draft", {"draft_version": second["version"]})
    return flow


def approve_through_the_page(browser: Browser, server: str, token: str, case_id: int, version: int, name: str) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, server, token)
    page.goto(f"{server}/review/cases/{case_id}/drafts/{version}")
    page.get_by_test_id("approve-draft").click()
    expect(page.locator(".notice")).to_contain_text("您已批准本版草案")
    shot(page, f"approved-{name}")
    context.close()


def test_covered_enterprises_send_back_then_approve_through_the_pages_until_the_case_is_agreed(
    browser: Browser, page: Page, server: str, people: People
) -> None:
    flow = under_review(people, "西安市快递行业集体协商（审阅流程）")
    sign_in(page, server, people.tokens["ent1"])
    expect(page).to_have_title(re.compile("我的案件"))
    shot(page, "my-cases")

    row = page.get_by_test_id("case-row").filter(has_text="审阅流程")
    expect(row.get_by_test_id("state-badge")).to_have_text("草案审阅中")
    row.get_by_role("link", name="西安市快递行业集体协商（审阅流程）").click()
    expect(page).to_have_title(re.compile(f"案件 {flow.id}"))
    expect(page.get_by_test_id("approval")).to_have_count(3)
    shot(page, "case")

    page.get_by_role("link", name="阅读当前草案").click()
    expect(page).to_have_title(re.compile("第 2 版草案"))
    clause = page.locator('[data-testid="draft-clause"][data-clause="piece_rates"]')
    expect(clause).to_contain_text("快件派送的计件单价，不得低于每件1.65元")
    expect(page.get_by_test_id("diff-change").filter(has_text="计件单价")).to_contain_text("¥1.50 → ¥1.65")
    expect(page.get_by_test_id("approve-draft")).to_be_visible()
    shot(page, "draft")
    pdf = page.request.get(server + str(page.get_by_test_id("draft-pdf").get_attribute("href")), fail_on_status_code=False)
    api_pdf = people.api.get(f"/api/v1/cases/{flow.id}/drafts/2/pdf", headers=people.headers()["ent1"])
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.body() == api_pdf.content

    page.get_by_test_id("comment-clause").select_option("piece_rates")
    page.get_by_test_id("comment-body").fill("每件1.65元的单价高于我司测算，建议分两年逐步到位。")
    page.get_by_test_id("comment-submit").click()
    expect(page.locator(".notice")).to_contain_text("您的意见已发表")
    comment = clause.get_by_test_id("comment")
    expect(comment).to_contain_text("建议分两年逐步到位")
    expect(comment).to_contain_text("王芳")
    expect(comment).to_contain_text("顺丰速运西安分公司")
    shot(page, "draft-commented")

    page.get_by_test_id("change-reason").fill("计件单价调整幅度过大，请按分步方案修改后再提交。")
    page.get_by_test_id("request-changes").click()
    expect(page).to_have_title(re.compile(f"案件 {flow.id}"))
    expect(page.get_by_test_id("state-badge")).to_have_text("协商中")
    assert flow.refresh("ent1")["state"] == "consulting"
    api_comments = people.api.get(f"/api/v1/cases/{flow.id}/drafts/2/comments", headers=people.headers()["union"]).json()
    assert [c["clause"] for c in api_comments] == ["piece_rates"]

    third = flow.draft(terms(rate="1.60"))
    flow.event("union", "submit_draft", {"draft_version": third["version"]})
    for who in ("ent1", "ent2", "employer_body"):
        assert flow.refresh()["state"] == "under_review"
        approve_through_the_page(browser, server, people.tokens[who], flow.id, third["version"], who)

    case = flow.refresh("union")
    assert case["state"] == "agreed"
    assert sorted(case["approvals"]) == sorted(people.orgs[k] for k in ("ent1", "ent2", "employer_body"))


def test_rep_of_an_uncovered_enterprise_cannot_open_the_case(page: Page, server: str, people: People) -> None:
    flow = under_review(people, "不对外案件")
    sign_in(page, server, people.tokens["outsider"])
    expect(page.get_by_test_id("case-row").filter(has_text="不对外案件")).to_have_count(0)
    for path in (f"/review/cases/{flow.id}", f"/review/cases/{flow.id}/drafts/2"):
        response = page.goto(f"{server}{path}")
        assert response is not None and response.status == 404
        expect(page.locator("h1")).to_have_text("未找到页面")
        expect(page.locator("body")).not_to_contain_text("不对外案件")
    shot(page, "not-found")
    documents = people.api.get(f"/api/v1/cases/{flow.id}/documents", headers=people.headers()["union"]).json()
    assert documents, "propose and submit_draft make documents"
    for path in (f"/review/documents/{documents[0]['id']}", f"/review/cases/{flow.id}/drafts/2/pdf"):
        refused = page.request.get(f"{server}{path}", fail_on_status_code=False)
        assert refused.status == 404 and refused.headers["content-type"].startswith("text/html")


def test_a_forged_or_missing_csrf_token_changes_nothing(page: Page, server: str, people: People) -> None:
    flow = under_review(people, "CSRF 案件")
    before = flow.refresh("ent1")
    sign_in(page, server, people.tokens["ent1"])
    page.goto(f"{server}/review/cases/{flow.id}/drafts/2")
    page.locator('form:has([data-testid="approve-draft"]) input[name="csrf"]').evaluate("el => el.value = 'forged'")
    page.get_by_test_id("approve-draft").click()
    expect(page.locator("h1")).to_have_text("表单校验未通过")
    shot(page, "csrf-refused")

    missing = page.request.post(
        f"{server}/review/cases/{flow.id}/drafts/2/events",
        form={"event": "approve_draft", "expected_version": str(before["version"])},
        max_redirects=0,
    )
    assert missing.status in (401, 403)
    assert "未被处理" in missing.text() or "登录" in missing.text()
    after = flow.refresh("ent1")
    assert (after["version"], after["approvals"], after["state"]) == (before["version"], [], "under_review")


def test_a_script_in_a_comment_is_shown_as_text(page: Page, server: str, people: People) -> None:
    flow = under_review(people, "XSS 案件")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, server, people.tokens["ent2"])
    page.goto(f"{server}/review/cases/{flow.id}/drafts/2")
    page.get_by_test_id("comment-clause").select_option("general")
    page.get_by_test_id("comment-body").fill("<script>alert(1)</script>")
    page.get_by_test_id("comment-submit").click()
    text = page.locator('[data-clause="general"] [data-testid="comment-text"]')
    expect(text).to_have_text("<script>alert(1)</script>")
    page.reload()
    expect(text).to_have_text("<script>alert(1)</script>")
    assert dialogs == []
    assert page.locator("main script").count() == 0


def test_deciding_on_a_draft_replaced_while_the_page_was_open_changes_nothing(page: Page, server: str, people: People) -> None:
    flow = under_review(people, "草案替换案件")
    sign_in(page, server, people.tokens["ent1"])
    page.goto(f"{server}/review/cases/{flow.id}/drafts/2")
    expect(page.get_by_test_id("approve-draft")).to_be_visible()

    flow.event("ent2", "request_changes", {"comment": "请调整单价"})
    third = flow.draft(terms(rate="1.58"))
    flow.event("union", "submit_draft", {"draft_version": third["version"]})
    before = flow.refresh("ent1")

    page.get_by_test_id("approve-draft").click()
    expect(page.locator("h1")).to_have_text("草案已被新版本取代")
    expect(page.locator(".problem")).to_contain_text("第 2 版草案已被第 3 版取代")
    shot(page, "draft-replaced")
    after = flow.refresh("ent1")
    assert (after["version"], after["approvals"]) == (before["version"], [])

    page.get_by_role("link", name="返回并刷新页面").click()
    expect(page).to_have_title(re.compile("第 3 版草案"))


def test_a_stale_page_after_another_change_gets_a_conflict_page(page: Page, server: str, people: People) -> None:
    flow = under_review(people, "并发审阅案件")
    sign_in(page, server, people.tokens["ent1"])
    page.goto(f"{server}/review/cases/{flow.id}/drafts/2")
    flow.event("ent2", "approve_draft")
    before = flow.refresh("ent1")
    page.get_by_test_id("change-reason").fill("请修改")
    page.get_by_test_id("request-changes").click()
    expect(page.locator("h1")).to_have_text("案件已被他人更新")
    after = flow.refresh("ent1")
    assert (after["version"], after["state"], after["approvals"]) == (before["version"], "under_review", [people.orgs["ent2"]])


def test_sending_back_needs_a_reason(page: Page, server: str, people: People) -> None:
    flow = under_review(people, "退回理由案件")
    sign_in(page, server, people.tokens["ent1"])
    page.goto(f"{server}/review/cases/{flow.id}/drafts/2")
    page.get_by_test_id("change-reason").fill("   ")
    page.get_by_test_id("request-changes").click()
    expect(page.locator(".problem")).to_contain_text("退回修改须填写理由")
    assert flow.refresh("ent1")["state"] == "under_review"


def test_a_forged_expired_or_signed_out_session_is_sent_to_sign_in(page: Page, server: str, people: People) -> None:
    import time

    from api.review.sessions import Session, encode_session
    from tests.browser.conftest import SESSION_SECRET

    for value, message in (
        ("eyJ1IjoxfQ.forged", "登录状态无效"),
        (encode_session(SESSION_SECRET.encode(), Session(user_id=1, sid="old", expires_at=int(time.time()) - 60)), "登录已过期"),
    ):
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "review_session", "value": value, "domain": "127.0.0.1", "path": "/review"}])
        response = page.goto(f"{server}/review/cases")
        assert response is not None and response.status == 401
        expect(page.locator("h1")).to_have_text("需要登录")
        expect(page.locator(".problem")).to_contain_text(message)
        expect(page.locator("body")).not_to_contain_text("我的案件")
    shot(page, "session-refused")
    page.get_by_role("link", name="重新登录").click()
    expect(page).to_have_title(re.compile("登录"))
    shot(page, "sign-in")

    sign_in(page, server, people.tokens["ent1"])
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{server}/review")
    page.goto(f"{server}/review/cases")
    expect(page).to_have_url(f"{server}/review")
    expect(page.get_by_test_id("login-token")).to_be_visible()


def test_pages_fit_a_375px_phone_without_horizontal_scrolling(browser: Browser, server: str, people: People) -> None:
    flow = under_review(people, "西安市快递行业集体协商（2027—2028年度）手机版页面检查")
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/review")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "phone-sign-in")
    sign_in(page, server, people.tokens["ent1"])
    page.goto(f"{server}/review/cases/{flow.id}/drafts/2")
    page.get_by_test_id("comment-body").fill("一条很长的意见：" + "计件单价" * 40 + "https://example.org/" + "x" * 80)
    page.get_by_test_id("comment-submit").click()
    for name, path in (
        ("phone-my-cases", "/review/cases"),
        ("phone-case", f"/review/cases/{flow.id}"),
        ("phone-draft", f"/review/cases/{flow.id}/drafts/2"),
        ("phone-not-found", "/review/cases/999999"),
    ):
        page.goto(f"{server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} is {width}px wide"
        shot(page, name)
    context.close()
