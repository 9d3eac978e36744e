"""The pages' forms that change a case (/review): events, a new case, drafts, meetings, representatives; and the
caller's deadlines.

Each form posts what the API would take (api/review/forms.py reads it into the API's body) and runs the same command
of the service layer with the session's Actor, so a page can do what the API allows that caller and nothing else.
A refused form (a stale version, a bad field, a legal rule) is shown again with the service layer's messages beside
its fields and the error's status (409, 422); nothing was changed. Other refusals (403, 404, 409 invalid_transition)
are the Chinese error page of api/review/pages.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ServicesDep
from api.review import case_forms, deadlines, sessions, views
from api.review.case_forms import Filled, FormSpec
from api.review.deps import FieldsDep, Viewer, ViewerDep
from api.review.labels import STATE_LABELS
from api.review.pages import ReviewRoute, render, see_other
from negotiation import errors
from negotiation.bootstrap import Services
from negotiation.events import EVENT_DATA
from negotiation.service_layer import drafting, handlers, offers, queries
from negotiation.service_layer.clock import today
from negotiation.service_layer.unit_of_work import UnitOfWork

__all__ = ["router"]

router = APIRouter(route_class=ReviewRoute, include_in_schema=False)
# What a refused form is shown again for, with its messages beside the fields; anything else is an error page.
SHOWN_AGAIN = (errors.ValidationFailed, errors.RuleViolation, errors.VersionConflict)


def checked_id(value: int) -> int:
    """A path id within 1…2³¹−1, else the page is not found."""
    if not 1 <= value <= 2**31 - 1:
        raise errors.NotFound("没有这个页面：地址中的编号无效")
    return value


def _first(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[0] if values else ""


def _version(form: dict[str, list[str]]) -> Any:
    raw = _first(form, "expected_version").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 10 else raw


def _stale(services: Services, viewer: Viewer, case_id: int, what: str) -> str:
    case = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
    state = STATE_LABELS.get(case["state"], case["state"])
    return (
        f"您打开页面后，案件已有其他更新（当前状态：{state}，版本 {case['version']}），本次「{what}」未被处理，"
        "案件没有任何更改。下面是最新的情况，请核对后再提交。"
    )


def _refused(services: Services, viewer: Viewer, case_id: int | None, what: str, body: dict[str, Any],
             exc: errors.NegotiationError) -> Filled:  # fmt: skip
    problem = None
    if isinstance(exc, errors.VersionConflict) and case_id is not None:
        problem = _stale(services, viewer, case_id, what)
    return Filled(body, exc.violations, problem=problem)


def _run(
    request: Request, services: Services, viewer: Viewer, form: dict[str, list[str]], spec: FormSpec,
    command: Callable[[UnitOfWork, dict[str, Any]], Any], again: Callable[[Filled, int], Response],
    case_id: int | None = None, envelope: Callable[[dict[str, Any]], dict[str, Any]] = lambda b: b,
) -> Response | Any:  # fmt: skip
    """Read the form and run the command; a refused form, or one sent back for another row, is shown again."""
    sessions.check_csrf(services, viewer.session, _first(form, "csrf"))
    data, blank_rows = spec.read(form)
    if blank_rows:
        return again(Filled(data, blank_rows=blank_rows), 200)
    body = envelope(data)
    try:
        return services.uow.run(lambda uow: command(uow, body))
    except SHOWN_AGAIN as exc:
        return again(_refused(services, viewer, case_id, spec.title, data, exc), exc.status)


def _form_page(request: Request, viewer: Viewer, form: case_forms.PageForm, status: int, **context: Any) -> HTMLResponse:
    context = {"case": None, "state": None, "intro": [], **context}
    return render(request, "form_page.html", status_code=status, user=viewer, form=form, **context)


# --- events on the case page ----------------------------------------------------------------------------------


@router.post("/cases/{case_id}/events", response_class=HTMLResponse)
def case_event(request: Request, services: ServicesDep, viewer: ViewerDep, form: FieldsDep, case_id: int) -> Response:
    """Fire the form's event (handlers.fire_event: the service layer decides whether this caller may)."""
    case_id = checked_id(case_id)
    request.state.back = f"/review/cases/{case_id}"
    event = _first(form, "event")
    case = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
    if event not in EVENT_DATA:  # an unknown or time-driven event: the service layer says why, as an error page
        sessions.check_csrf(services, viewer.session, _first(form, "csrf"))
        body = {"event": event[:40], "expected_version": _version(form), "data": {}}
        services.uow.run(lambda uow: handlers.fire_event(uow, actor=viewer.actor, case_id=case_id, body=body))
        return see_other(f"/review/cases/{case_id}?done={event}")
    spec = case_forms.event_form(case, views.organization_names(services, case["covered_enterprise_ids"]), event)

    def again(filled: Filled, status: int) -> Response:
        shown = views.case_page(services, viewer.actor, case_id, event, filled)
        problem = None if event in shown["case"]["allowed_events"] else filled.problem
        return render(request, "case.html", status_code=status, user=viewer, notice=None, problem=problem, **shown)

    def fire(uow: UnitOfWork, body: dict[str, Any]) -> Response:
        handlers.fire_event(uow, actor=viewer.actor, case_id=case_id, body=body)
        return see_other(f"/review/cases/{case_id}?done={event}#case-state")

    return _run(request, services, viewer, form, spec, fire, again, case_id,
                lambda data: {"event": event, "expected_version": _version(form), "data": data})  # fmt: skip


# --- a new case ---------------------------------------------------------------------------------------------------

_NEW_CASE_INTRO = ["发起后案件处于“起草要约”状态：请先确定双方协商代表，再发出协商要约。"]


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> Response:
    """The form of POST /api/v1/cases (union negotiators)."""
    spec = case_forms.new_case_form(offers.new_case_choices(services.uow.reading(), actor=viewer.actor))
    return _form_page(request, viewer, spec.page(), 200, intro=_NEW_CASE_INTRO)


@router.post("/cases", response_class=HTMLResponse)
def create_case(request: Request, services: ServicesDep, viewer: ViewerDep, form: FieldsDep) -> Response:
    """Open the case (handlers.create_case) and go to its page."""
    request.state.back = "/review/cases/new"
    spec = case_forms.new_case_form(offers.new_case_choices(services.uow.reading(), actor=viewer.actor))

    def create(uow: UnitOfWork, body: dict[str, Any]) -> Response:
        case = handlers.create_case(uow, actor=viewer.actor, body=body)
        return see_other(f"/review/cases/{case['id']}?done=create_case")

    return _run(request, services, viewer, form, spec, create,
                lambda filled, status: _form_page(request, viewer, spec.page(filled), status, intro=_NEW_CASE_INTRO))  # fmt: skip


# --- drafts, meetings, representatives ------------------------------------------------------------------------


def _offered(services: Services, viewer: Viewer, case_id: int, action: str) -> dict[str, Any]:
    """The case, when the caller may make this change on it now; otherwise the service layer's refusal."""
    offers.check_action(services.uow.reading(), actor=viewer.actor, case_id=case_id, action=action)
    return queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)


def _case_form_page(request: Request, services: Services, viewer: Viewer, case: dict[str, Any], form: case_forms.PageForm,
                    status: int, intro: list[str]) -> HTMLResponse:  # fmt: skip
    return _form_page(request, viewer, form, status, case=case, state=views.state_of(case), intro=intro)


_DRAFT_INTRO = [
    "草案按本案的协商议题分节填写；保存时逐项核对法定底线（如最低工资、支付周期、休息休假），不符合的会在相应栏目旁说明。",
    "保存后成为当前草案，此前各方对旧版草案的批准随之失效。",
]


def _current_draft(services: Services, viewer: Viewer, case: dict[str, Any]) -> dict[str, Any] | None:
    version = case["current_draft_version"]
    if version is None:
        return None
    return queries.draft(services.uow.reading(), actor=viewer.actor, case_id=case["id"], version=version)


@router.get("/cases/{case_id}/drafts/new", response_class=HTMLResponse)
def new_draft_page(request: Request, services: ServicesDep, viewer: ViewerDep, case_id: int) -> Response:
    """The form of a new draft, its topics from the topic registry, filled in from the current draft."""
    case = _offered(services, viewer, checked_id(case_id), "add_draft")
    spec = case_forms.draft_form(case, _current_draft(services, viewer, case))
    return _case_form_page(request, services, viewer, case, spec.page(), 200, _DRAFT_INTRO)


@router.post("/cases/{case_id}/drafts", response_class=HTMLResponse)
def add_draft(request: Request, services: ServicesDep, viewer: ViewerDep, form: FieldsDep, case_id: int) -> Response:
    """Save the draft (drafting.add_draft: the floors are checked there) and show it."""
    case_id = checked_id(case_id)
    request.state.back = f"/review/cases/{case_id}/drafts/new"
    case = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
    spec = case_forms.draft_form(case, None)

    def again(filled: Filled, status: int) -> Response:
        fresh = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
        shown = case_forms.draft_form(fresh, None).page(filled)
        return _case_form_page(request, services, viewer, fresh, shown, status, _DRAFT_INTRO)

    def add(uow: UnitOfWork, body: dict[str, Any]) -> Response:
        draft = drafting.add_draft(uow, actor=viewer.actor, case_id=case_id, body=body)
        return see_other(f"/review/cases/{case_id}/drafts/{draft['version']}?done=add_draft")

    return _run(request, services, viewer, form, spec, add, again, case_id,
                lambda data: {**data, "expected_version": _version(form)})  # fmt: skip


_MEETING_INTRO = ["协商会议由双方首席代表轮流主持（R9），须有记录人；保存后生成会议纪要。各议题的意见可只填本次讨论过的。"]


@router.get("/cases/{case_id}/meetings/new", response_class=HTMLResponse)
def new_meeting_page(request: Request, services: ServicesDep, viewer: ViewerDep, case_id: int) -> Response:
    """The form of a meeting's minutes."""
    case = _offered(services, viewer, checked_id(case_id), "record_meeting")
    meetings = queries.meetings(services.uow.reading(), actor=viewer.actor, case_id=case_id)
    return _case_form_page(request, services, viewer, case, case_forms.meeting_form(case, meetings).page(), 200, _MEETING_INTRO)


@router.post("/cases/{case_id}/meetings", response_class=HTMLResponse)
def add_meeting(request: Request, services: ServicesDep, viewer: ViewerDep, form: FieldsDep, case_id: int) -> Response:
    """Record the meeting (drafting.add_meeting, which makes its minutes)."""
    case_id = checked_id(case_id)
    request.state.back = f"/review/cases/{case_id}/meetings/new"
    case = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
    spec = case_forms.meeting_form(case, [])

    def again(filled: Filled, status: int) -> Response:
        fresh = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
        return _case_form_page(request, services, viewer, fresh, case_forms.meeting_form(fresh, []).page(filled), status,
                               _MEETING_INTRO)  # fmt: skip

    def add(uow: UnitOfWork, body: dict[str, Any]) -> Response:
        drafting.add_meeting(uow, actor=viewer.actor, case_id=case_id, body=body)
        return see_other(f"/review/cases/{case_id}?done=record_meeting")

    return _run(request, services, viewer, form, spec, add, again, case_id,
                lambda data: {**data, "expected_version": _version(form)})  # fmt: skip


_REPS_INTRO = [
    "每方协商代表的人数、首席代表及外聘代表须符合 R1–R4；这些规则在发出要约时核对，不符合的会在要约表单旁说明。",
    "首席代表由工会主席（职工方）或法定代表人（企业方）担任，否则须持有其书面委托。",
]


@router.get("/cases/{case_id}/representatives", response_class=HTMLResponse)
def representatives_page(request: Request, services: ServicesDep, viewer: ViewerDep, case_id: int) -> Response:
    """The form of PUT /api/v1/cases/{id}/representatives, filled in with the representatives as they are."""
    case = _offered(services, viewer, checked_id(case_id), "set_representatives")
    return _case_form_page(request, services, viewer, case, case_forms.representatives_form(case).page(), 200, _REPS_INTRO)


@router.post("/cases/{case_id}/representatives", response_class=HTMLResponse)
def put_representatives(request: Request, services: ServicesDep, viewer: ViewerDep, form: FieldsDep, case_id: int) -> Response:
    """Replace both sides' representatives (handlers.put_representatives)."""
    case_id = checked_id(case_id)
    request.state.back = f"/review/cases/{case_id}/representatives"
    case = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
    spec = case_forms.representatives_form(case)

    def again(filled: Filled, status: int) -> Response:
        fresh = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
        return _case_form_page(request, services, viewer, fresh, case_forms.representatives_form(fresh).page(filled), status,
                               _REPS_INTRO)  # fmt: skip

    def put(uow: UnitOfWork, body: dict[str, Any]) -> Response:
        handlers.put_representatives(uow, actor=viewer.actor, case_id=case_id, body=body)
        return see_other(f"/review/cases/{case_id}?done=set_representatives")

    return _run(request, services, viewer, form, spec, put, again, case_id,
                lambda data: {**data, "expected_version": _version(form)})  # fmt: skip


# --- deadlines ----------------------------------------------------------------------------------------------------


@router.get("/deadlines", response_class=HTMLResponse)
def deadlines_page(request: Request, services: ServicesDep, viewer: ViewerDep) -> Response:
    """The caller's open legal deadlines, overdue first, then by due date; those due within 3 working days."""
    day = today()
    as_of = request.query_params.get("as_of", "")
    if services.settings.test_clock and len(as_of) == 10:  # the test clock's day, as for POST /api/v1/admin/tick
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            pass
    page = deadlines.deadlines_page(services, viewer.actor, day)
    return render(request, "deadlines.html", user=viewer, **page)
