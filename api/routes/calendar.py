"""Routes for the holiday calendar: a year's rest days as deadlines use them, and installing a year's notice (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from api.commands import command
from api.deps import Body, CurrentUser, ServicesDep
from api.schemas import CalendarYearOut, body_doc, error_responses
from negotiation.service_layer import holiday_calendar

router = APIRouter(tags=["calendar"])
Year = Annotated[int, Path(ge=1, le=9999, description="公历年份")]


@router.get("/api/v1/calendar/{year}", responses={200: {"model": CalendarYearOut}, **error_responses(401, 422)})
def calendar_year(services: ServicesDep, actor: CurrentUser, year: Year) -> JSONResponse:
    """A year's holidays and make-up working days, and where they come from (any user)."""
    return JSONResponse(holiday_calendar.calendar_year(services.uow.reading(), actor=actor, year=year))


@router.put(
    "/api/v1/admin/calendar/{year}",
    openapi_extra=body_doc("CalendarYearPut"),
    responses={200: {"model": CalendarYearOut}, **error_responses(401, 403, 413, 422)},
)
async def install_calendar_year(
    request: Request, services: ServicesDep, actor: CurrentUser, year: Year, body: Body
) -> JSONResponse:
    """Install a year's State Council holiday schedule; the open deadlines it decides are computed again (admin)."""
    return await command(
        request, services, actor, body,
        lambda uow: holiday_calendar.install_calendar_year(uow, actor=actor, year=year, body=body), idempotent=False,
    )  # fmt: skip
