"""The admin dashboard, and the button that raises a test error for checking incident e-mails."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from app.controllers.pages.admin.sales_chart import SalesOverview
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.dashboard import LOW_STOCK_THRESHOLD, DashboardService
from app.settings import get_settings
from app.web.rendering import render

TEST_ERROR_MESSAGE = "Test error triggered by an administrator"


class AdminDashboardController(Controller):
    path = "/admin"
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminDashboard")
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        dashboard: NamedDependency[DashboardService],
    ) -> Template:
        board = await dashboard.dashboard(user)
        return render(
            request,
            "pages/admin/dashboard.html",
            board=board,
            sales=SalesOverview.of(board.sales),
            low_stock_threshold=LOW_STOCK_THRESHOLD,
            # The worker sends incident mail, configured like this process (same environment).
            incident_recipients=get_settings().email.incident_recipients,
        )

    @post("/debug/trigger-error", operation_id="adminTriggerTestError")
    async def trigger_error(self, user: NamedDependency[UserContext]) -> None:
        """Fails on purpose, so an operator can see an incident e-mail and the dashboard's error list work.

        No service is behind it, so the permission check is here (the one admin action that has none).
        """
        require(user, Capability.AUDIT_VIEW, action="trigger_test_error", reason="Admin access required")
        raise RuntimeError(TEST_ERROR_MESSAGE)
